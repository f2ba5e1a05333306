/**
 * Fuzz suite (fixed seed, bounded): hostile scenario files and .reg files from the
 * structure-aware generators. For every case:
 * - the outcome is a result or an AtpNetlabError (the CLI's exit 0/1/2; never 3 or a stack trace),
 * - input errors name file:line,
 * - nothing is opened outside the scenario's root, and no error quotes the canary outside it.
 * A bigger run: `npx tsx test/soak/fuzz-soak.ts` (README, Reliability).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeInput } from '../../src/cli/commands/decode.js';
import { AtpNetlabError } from '../../src/errors.js';
import { buildScenarioFromReg } from '../../src/scenario/from-reg.js';
import { loadScenarioFile } from '../../src/scenario/load-scenario.js';
import { runCli } from '../helpers/run-cli.js';
import { hostileRegFile, hostileScenarioFile } from './hostile-generators.js';

const SEED = 20_261_202;
const CANARY = 'CANARY-OUTSIDE-THE-ROOT-7f3a';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atp-fuzz-'));
const scenDir = path.join(root, 'scen');
const outside = path.join(root, 'outside');

beforeAll(() => {
  fs.mkdirSync(path.join(scenDir, 'fixtures'), { recursive: true });
  fs.mkdirSync(outside, { recursive: true });
  fs.copyFileSync('scenarios/fixtures/customer-hkcu.reg', path.join(scenDir, 'fixtures', 'ok.reg'));
  fs.writeFileSync(path.join(scenDir, 'fixtures', 'bad.reg'), 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\X]\r\n"a"=hex:zz\r\n');
  fs.writeFileSync(path.join(outside, 'canary.reg'), `Windows Registry Editor Version 5.00\r\n; ${CANARY}\r\n"${CANARY}"=hex:zz\r\n`);
  fs.symlinkSync(path.join(outside, 'canary.reg'), path.join(scenDir, 'link-out.reg'));
  fs.symlinkSync('/etc', path.join(scenDir, 'link-etc'));
  execFileSync('mkfifo', [path.join(scenDir, 'pipe.reg')]);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Error codes whose message is about a place in the scenario file: they must carry a line. */
const NEEDS_LINE = new Set(['ATPNL_SCENARIO_YAML', 'ATPNL_SCENARIO_SCHEMA', 'ATPNL_SCENARIO_INVALID', 'ATPNL_SCENARIO_ENCODING', 'ATPNL_FILE_OUTSIDE_ROOT', 'ATPNL_FILE_NOT_REGULAR', 'ATPNL_REG_PARSE']);

function checkError(e: unknown, what: string): void {
  if (!(e instanceof AtpNetlabError)) throw new Error(`${what}: not an input error (would be exit 3): ${e instanceof Error ? e.stack : String(e)}`);
  expect(e.location.file, `${what}: ${e.describe()}`).toBeDefined();
  if (NEEDS_LINE.has(e.code)) expect(e.describe(), what).toMatch(/^[^:]+:\d+:/);
  expect(e.describe()).not.toContain(CANARY);
}

describe('fuzz: hostile scenario files', () => {
  it('300 generated scenarios load or fail as input errors with file:line, reading nothing outside the root', { timeout: 120_000 }, async () => {
    const realRoot = fs.realpathSync(scenDir);
    const opened: string[] = [];
    let totalOpens = 0;
    const open = fsp.open.bind(fsp);
    vi.spyOn(fsp, 'open').mockImplementation(((p: fs.PathLike, ...rest: unknown[]) => {
      opened.push(String(p));
      totalOpens++;
      return (open as (...a: unknown[]) => Promise<fsp.FileHandle>)(p, ...rest);
    }) as typeof fsp.open);
    let n = 0;
    const codes: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(hostileScenarioFile, async ({ bytes, damage }) => {
        const file = path.join(scenDir, `case-${n++}.yaml`);
        fs.writeFileSync(file, bytes);
        opened.length = 0;
        const started = performance.now();
        try {
          await loadScenarioFile(file);
          codes.ok = (codes.ok ?? 0) + 1;
        } catch (e) {
          checkError(e, `case ${n - 1} (${damage})`);
          codes[(e as AtpNetlabError).code] = (codes[(e as AtpNetlabError).code] ?? 0) + 1;
        } finally {
          fs.rmSync(file);
        }
        expect(performance.now() - started, `case ${n - 1} (${damage}) took too long`).toBeLessThan(3_000);
        for (const p of opened) expect(path.resolve(p).startsWith(realRoot + path.sep), `opened ${p}`).toBe(true);
      }),
      { seed: SEED, numRuns: 300 },
    );
    // The spy saw the reader's opens, and the generator reached the interesting classes, or the suite proves little.
    expect(totalOpens).toBeGreaterThan(300);
    expect(codes.ATPNL_SCENARIO_INVALID ?? 0, JSON.stringify(codes)).toBeGreaterThan(0);
    for (const c of ['ATPNL_FILE_OUTSIDE_ROOT', 'ATPNL_SCENARIO_YAML', 'ATPNL_SCENARIO_SCHEMA', 'ATPNL_SCENARIO_ENCODING']) expect(codes[c] ?? 0, JSON.stringify(codes)).toBeGreaterThan(0);
  });

  it('through the CLI: exit 0, 1 or 2 only, never a stack trace', { timeout: 120_000 }, async () => {
    const samples = fc.sample(hostileScenarioFile, { seed: SEED + 1, numRuns: 16 });
    for (const [i, { bytes, damage }] of samples.entries()) {
      const file = path.join(scenDir, `cli-${i}.yaml`);
      fs.writeFileSync(file, bytes);
      const r = await runCli([i % 4 === 0 ? 'run' : 'list', file], { timeoutMs: 30_000 });
      expect([0, 1, 2], `cli ${i} (${damage}): ${r.stderr}`).toContain(r.code);
      expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
      expect(r.stderr + r.stdout).not.toContain(CANARY);
    }
  });
});

describe('fuzz: hostile .reg files', () => {
  it('200 generated .reg files decode or fail as input errors naming the file (and line for parse errors)', { timeout: 120_000 }, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(hostileRegFile, async (bytes) => {
        const file = path.join(root, `reg-${n++}.reg`);
        fs.writeFileSync(file, bytes);
        try {
          await decodeInput(file);
        } catch (e) {
          checkError(e, `decode reg ${n - 1}`);
        }
        try {
          await buildScenarioFromReg({ exports: { hkcu: file }, out: path.join(root, `gen-${n - 1}`, 'case.yaml') });
        } catch (e) {
          checkError(e, `from-reg ${n - 1}`);
        } finally {
          fs.rmSync(file);
        }
      }),
      { seed: SEED + 2, numRuns: 200 },
    );
  });
});
