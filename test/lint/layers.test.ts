/**
 * The layer rules of DESIGN.md are enforced by lint for every folder under src/: an import
 * planted across a layer fails `npm run lint`, and the allowed directions pass.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { LAYERS } from '../../eslint.config.js';

const eslint = new ESLint();
const errorsFor = async (filePath: string, from: string) => {
  const [r] = await eslint.lintText(`import { x } from '${from}';\nexport const y = x;\n`, { filePath });
  return r!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
};

describe('layer rules', () => {
  const folders = Object.keys(LAYERS);
  const cases = folders.flatMap((folder) =>
    [...folders, 'cli'].filter((other) => other !== folder).map((other) => ({ folder, other, allowed: LAYERS[folder]!.includes(other) })),
  );

  it.each(cases)('src/$folder → $other: allowed $allowed', async ({ folder, other, allowed }) => {
    const direct = await errorsFor(`src/${folder}/planted.ts`, `../${other}/anything.js`);
    const nested = await errorsFor(`src/${folder}/sub/planted.ts`, `../../${other}/sub/anything.js`);
    if (allowed) expect([...direct, ...nested]).toEqual([]);
    else {
      expect(direct.join('')).toContain(`src/${folder}/ may import only`);
      expect(nested.join('')).toContain(`src/${folder}/ may import only`);
    }
  });

  it('names the directions DESIGN.md cares most about', () => {
    expect(LAYERS.probe!).not.toContain('lab');
    expect(LAYERS.probe!).not.toContain('engines');
    expect(LAYERS['proxy-copy']!).not.toContain('lab');
    expect(LAYERS.lab!).not.toContain('engines');
    expect(LAYERS.wininet!).not.toContain('lab');
  });
});
