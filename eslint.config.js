import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layer rules (DESIGN.md "Modules"): each folder under src/ may import only the folders listed
 * here (and the shared root modules errors, identity, route, transport, version,
 * host-pattern). `probe` and `proxy-copy` are the real logic and never know the lab or the
 * engines; `lab` knows no engine; `scenario` compiles plans and names an engine only through
 * engines/index (the default); `cli` may import everything.
 */
export const LAYERS = {
  catalog: [],
  pki: [],
  registry: [],
  wininet: ['registry'],
  probe: ['catalog', 'registry', 'wininet'],
  'proxy-copy': ['registry', 'wininet'],
  report: ['catalog', 'probe'],
  triage: ['catalog', 'probe'],
  lab: ['catalog', 'pki', 'probe'],
  engines: ['catalog', 'lab', 'pki', 'probe', 'registry', 'wininet'],
  scenario: ['catalog', 'engines', 'lab', 'pki', 'probe', 'proxy-copy', 'registry', 'report', 'wininet'],
  // `load` drives a fleet of simulated sensors through a scenario's lab (atp-netlab load).
  load: ['catalog', 'engines', 'lab', 'pki', 'probe', 'report', 'scenario'],
};

const layerRules = Object.entries(LAYERS).map(([folder, allowed]) => {
  const banned = Object.keys(LAYERS).filter((f) => f !== folder && !allowed.includes(f)).concat('cli');
  return {
    files: [`src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: banned.flatMap((f) => [`../${f}`, `../${f}/**`, `../../${f}`, `../../${f}/**`, `../../../${f}/**`]),
              message: `src/${folder}/ may import only ${allowed.length ? allowed.join(', ') : 'no other layer'} (and the shared root modules): the layer rules of DESIGN.md.`,
            },
          ],
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'certs/**', 'coverage/**', 'test-artifacts/**', 'bench/**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerRules,
);
