/**
 * The docs cannot drift from the tool: every `atp-netlab …` command in a shell code block of
 * the README, docs/ and scenarios/README.md is taken out and checked against the built CLI.
 *
 * - **Run** (the default): the block's lines run in order, through `bash`, in one scratch
 *   folder per document that holds a copy of scenarios/ and the synthetic logs (as `Logs/`),
 *   with `atp-netlab` on PATH as the built CLI. Each must exit 0 or 1 (its own verdict), never
 *   2 (usage: the doc names an option that no longer exists) or 3 (a crash), within a bound.
 *   `lab up` runs until its ready line and stops on SIGINT.
 * - **Parse only**: a line that cannot run here is parsed by the real command definitions with
 *   every action replaced, so an option, a choice or an argument the doc names must exist.
 *   That is a line with a placeholder (`…`, `/.../`, `%TEMP%`, a `C:/` path), or a block the
 *   doc marks `<!-- docs-test: parse-only: <reason> -->` (e.g. a real-mode probe, which would
 *   leave the lab). A mark without a reason fails the test.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { TEST_CERTS_DIR } from '../helpers/test-certs.js';

const ROOT = path.resolve('.');
const MAIN = path.join(ROOT, 'dist/cli/main.js');
const DOCS = ['README.md', 'scenarios/README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const PLACEHOLDER = /…|\/\.\.\.\/|%[A-Z]+%|\b[A-Z]:\//;
const LINE_BOUND_MS = 60_000;

interface DocCommand {
  file: string;
  line: number;
  text: string;
  mode: 'run' | 'parse-only';
  why?: string;
}

/** The commands of one document, with continuation lines joined and the mode decided. */
export function extractCommands(file: string, markdown: string): DocCommand[] {
  const out: DocCommand[] = [];
  const lines = markdown.split('\n');
  let mark: { mode: 'parse-only'; why: string } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const m = /^<!--\s*docs-test:\s*parse-only(?::\s*(.*?))?\s*-->/.exec(lines[i]!);
    if (m) {
      if (!m[1]) throw new Error(`${file}:${i + 1}: docs-test mark without a reason`);
      mark = { mode: 'parse-only', why: m[1] };
      continue;
    }
    if (!/^```(sh|bash|shell|console)\s*$/.test(lines[i]!)) {
      if (lines[i]!.trim()) mark = undefined;
      continue;
    }
    const blockMark = mark;
    mark = undefined;
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) {
      const start = i;
      let text = lines[i]!;
      while (text.endsWith('\\') && i + 1 < lines.length) text = text.slice(0, -1) + ' ' + lines[++i]!.trim();
      text = text.replace(/^\$ /, '').trim();
      if (!/^(npx )?atp-netlab\b/.test(text)) continue;
      text = text.replace(/^npx atp-netlab\b/, 'atp-netlab').replace(/(^|\s)&&\s+npx atp-netlab\b/g, '$1&& atp-netlab');
      // Containment: a real-mode probe goes to the real cloud, so it must never run from here.
      if (!blockMark && /^atp-netlab probe\b/.test(text) && !PLACEHOLDER.test(text)) {
        throw new Error(`${file}:${start + 1}: a real-mode probe must sit in a block marked <!-- docs-test: parse-only: <reason> -->`);
      }
      const placeholder = PLACEHOLDER.exec(text);
      out.push(
        blockMark
          ? { file, line: start + 1, text, mode: 'parse-only', why: blockMark.why }
          : placeholder
            ? { file, line: start + 1, text, mode: 'parse-only', why: `placeholder ${placeholder[0]}` }
            : { file, line: start + 1, text, mode: 'run' },
      );
    }
  }
  return out;
}

/** Shell words of one command (the docs use plain words, double quotes and `#` comments). */
function shellWords(text: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(#.*$)|([^\s"'#]+)/g;
  for (const m of text.matchAll(re)) {
    if (m[3] !== undefined) break;
    words.push(m[1] ?? m[2] ?? m[4]!);
  }
  return words;
}

/** Parse one command with the real definitions and no actions: commander's own verdict. */
async function parseOnly(text: string): Promise<string | undefined> {
  // Only the first command of a `&&` chain or a redirect is the tool's.
  const first = text.split(/\s&&\s|\s[|>]\s?/)[0]!;
  const argv = shellWords(first).slice(1);
  const program = new Command().name('atp-netlab').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  for (const register of COMMANDS) register(program, () => undefined);
  const strip = (c: Command) => {
    c.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    if (c.commands.length === 0) c.action(() => undefined);
    c.commands.forEach(strip);
  };
  program.commands.forEach(strip);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return undefined;
  } catch (e) {
    if (e instanceof CommanderError && (e.code === 'commander.helpDisplayed' || e.code === 'commander.help')) return undefined;
    return e instanceof Error ? e.message : String(e);
  }
}

interface Ran {
  code: number | null;
  output: string;
}

function runLine(text: string, cwd: string, bin: string): Promise<Ran> {
  const labUp = /^atp-netlab lab up\b/.test(text);
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', labUp ? `exec ${text}` : text], {
      cwd,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ATP_NETLAB_CERTS: TEST_CERTS_DIR, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), LINE_BOUND_MS);
    let stopped = false;
    const onData = (b: Buffer) => {
      output += b.toString();
      // lab up runs until stopped: once it is up, stop it as a user would, with one Ctrl+C
      // (a second one is a forced stop, exit 130).
      if (labUp && !stopped && /is up; press Ctrl\+C to stop/.test(output)) {
        stopped = true;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

/**
 * What a document's reader has in hand before its first command: docs/reproduce-a-customer.md
 * starts from a customer's exports, here the repo's own customer fixture plus two exports the
 * built CLI writes (LocalSystem's as SYSTEM sees it, under HKCU; and WinHTTP's).
 */
const DOC_INPUTS: Record<string, string[]> = {
  'docs/reproduce-a-customer.md': [
    'cp scenarios/fixtures/customer-hkcu.reg hkcu.reg',
    'cp scenarios/fixtures/customer-localservice.reg localservice.reg',
    'atp-netlab encode --format reg --out localsystem.reg',
    'atp-netlab encode --winhttp --proxy proxy.contoso.com:8080 --format reg --out winhttp.reg',
  ],
};

function scratchFolder(): { cwd: string; bin: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atpnl-docs-'));
  scratch.push(dir);
  const cwd = path.join(dir, 'work');
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  cpSync(path.join(ROOT, 'scenarios'), path.join(cwd, 'scenarios'), { recursive: true });
  cpSync(path.join(ROOT, 'test/fixtures/logs'), path.join(cwd, 'Logs'), { recursive: true });
  writeFileSync(path.join(bin, 'atp-netlab'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} "$@"\n`);
  chmodSync(path.join(bin, 'atp-netlab'), 0o755);
  return { cwd, bin };
}

describe('the shell commands in the README and docs work as written', () => {
  const all = DOCS.flatMap((f) => extractCommands(f, readFileSync(f, 'utf8')));

  it('finds the documented commands, and each parse-only one says why', () => {
    expect(all.filter((c) => c.mode === 'run').length).toBeGreaterThanOrEqual(8);
    for (const c of all) if (c.mode === 'parse-only') expect(c.why, `${c.file}:${c.line}`).toBeTruthy();
    expect(() => extractCommands('x.md', '<!-- docs-test: parse-only -->\n```sh\natp-netlab list\n```\n')).toThrow(/x\.md:1: docs-test mark without a reason/);
    expect(() => extractCommands('x.md', '```sh\natp-netlab probe --workspace w\n```\n')).toThrow(/x\.md:2: a real-mode probe must sit in a block marked/);
  });

  it('every command parses with the real command definitions', async () => {
    const bad: string[] = [];
    for (const c of all) {
      const err = await parseOnly(c.text);
      if (err) bad.push(`${c.file}:${c.line}: ${c.text}\n    ${err}`);
    }
    expect(bad).toEqual([]);
    // And the check can fail: an option nobody defined is refused.
    expect(await parseOnly('atp-netlab decode hkcu.reg --no-such-option')).toMatch(/unknown option/);
  });

  for (const file of DOCS) {
    const runnable = all.filter((c) => c.file === file && c.mode === 'run');
    if (!runnable.length) continue;
    it(`${file}: the runnable commands exit 0 or 1 (never usage 2 or a crash)`, async () => {
      const { cwd, bin } = scratchFolder();
      for (const setup of DOC_INPUTS[file] ?? []) expect((await runLine(setup, cwd, bin)).code, setup).toBe(0);
      const bad: string[] = [];
      for (const c of runnable) {
        const r = await runLine(c.text, cwd, bin);
        if (r.code !== 0 && r.code !== 1) bad.push(`${c.file}:${c.line}: ${c.text}\n    exit ${r.code}: ${r.output.slice(-600)}`);
      }
      expect(bad).toEqual([]);
    }, runnable.length * LINE_BOUND_MS);
  }
});
