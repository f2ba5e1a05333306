/**
 * Lazy commands: the top-level help is built from COMMAND_ENTRIES stubs, and only the command
 * being run is imported. The stubs must say what the real commands say, and `--help` /
 * `--version` must not import any command module (they are most of the start-up time).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_ENTRIES, loadAllCommands, registerCommands } from '../../src/cli/commands/index.js';

describe('lazy commands', () => {
  it('each stub has the real command\'s name, usage and summary, in the same order', async () => {
    const program = new Command();
    for (const register of await loadAllCommands()) register(program, () => undefined);
    const help = new Help();
    const real = program.commands.map((c) => ({ name: c.name(), usage: help.subcommandTerm(c).slice(c.name().length).trim(), summary: c.description() }));
    expect(COMMAND_ENTRIES.map(({ name, usage, summary }) => ({ name, usage, summary }))).toEqual(real);
  });

  it('the top-level help from stubs is the help of the fully loaded program', async () => {
    const eager = new Command().name('atp-netlab');
    for (const register of await loadAllCommands()) register(eager, () => undefined);
    const lazy = new Command().name('atp-netlab');
    await registerCommands(lazy, ['--help'], () => undefined);
    expect(lazy.helpInformation()).toBe(eager.helpInformation());
  });

  it('loads only the command that runs (help CMD loads CMD)', async () => {
    const program = new Command();
    await registerCommands(program, ['help', 'decode'], () => undefined);
    const decode = program.commands.find((c) => c.name() === 'decode')!;
    expect(decode.options.map((o) => o.long)).toContain('--json');
    const run = program.commands.find((c) => c.name() === 'run')!;
    expect(run.options).toEqual([]);
  });

  const imported = (args: string[]): string[] => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazy-'));
    const log = path.join(dir, 'resolved.log');
    const hooks = path.join(dir, 'hooks.mjs');
    fs.writeFileSync(hooks, `import fs from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); fs.appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`);
    const register = path.join(dir, 'register.mjs');
    fs.writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(new URL(`file://${hooks}`).href)});\n`);
    try {
      const r = spawnSync(process.execPath, ['--import', register, path.resolve('dist/cli/main.js'), ...args], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status, r.stderr).toBe(0);
      return fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  it.each([['--help'], ['--version']])('%s imports no command module and no heavy package', (arg) => {
    const urls = imported([arg]);
    expect(urls.some((u) => u.endsWith('/dist/cli/main.js'))).toBe(true);
    expect(urls.filter((u) => /\/dist\/cli\/commands\/(?!index\.js)/.test(u) || /node_modules\/(undici|zod|node-forge|yaml|pac-resolver)\//.test(u))).toEqual([]);
  });

  it('`run --help` imports run but not probe', () => {
    const urls = imported(['run', '--help']);
    expect(urls.some((u) => u.endsWith('/dist/cli/commands/run.js'))).toBe(true);
    expect(urls.some((u) => u.endsWith('/dist/cli/commands/probe.js'))).toBe(false);
  });
});
