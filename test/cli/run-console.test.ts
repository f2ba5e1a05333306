/**
 * `atp-netlab run`'s console as a CI log sees it (a child process, stdout a pipe): the
 * shapes of the default, --verbose and --quiet output on real lab runs, the width, and
 * FORCE_COLOR / NO_COLOR.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { visibleLength } from '../../src/report/terminal-text.js';

let wrong: string;
const PASSING = ['scenarios/direct-internet.yaml', 'scenarios/revocation-hosts-blocked.yaml'];

beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atp-run-console-'));
  wrong = path.join(dir, 'wrong.yaml');
  fs.writeFileSync(wrong, fs.readFileSync('scenarios/proxy-auth-misreported.yaml', 'utf8').replace('code: PROXY_AUTH_MISREPORTED', 'code: PROXY_AUTH_REQUIRED'));
});

describe('atp-netlab run console', () => {
  it('default: a line per passing scenario, the table for the failure, warnings once, failures again, within 100 columns', async () => {
    const r = await runCli(['run', ...PASSING, wrong], { env: { COLUMNS: '' } });
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('PASS '))).toEqual([expect.stringMatching(/^PASS direct-internet \(12 checks, \d+ ms\)$/), expect.stringMatching(/^PASS revocation-hosts-blocked \(2 checks, 2 with warnings, \d+ ms\)$/)]);
    expect(lines.filter((l) => /^\s+identity\s+host\s+expected/.test(l))).toHaveLength(1);
    expect(r.stdout).toMatch(/^FAIL proxy-auth-misreported \(2 checks, 2 not as expected, \d+ ms\)/m);
    // The revocation warning, seen on both checks, is printed once with both.
    expect(r.stdout.match(/revocation data unreachable/g)).toHaveLength(1);
    expect(r.stdout).toMatch(/on 2 checks: LocalService contosoatpsensorapi\.atp\.azure\.com, LocalSystem contosoatpsensorapi/);
    expect(r.stdout).toMatch(/Failures \(1 scenario\):\n {2}FAIL proxy-auth-misreported .*wrong\.yaml\n {7}LocalService {2}expected proxy\/PROXY_AUTH_REQUIRED {2}observed proxy\/PROXY_AUTH_MISREPORTED/);
    expect(lines.at(-1)).toMatch(/^Summary: 3 scenario\(s\), 2 passed, 1 failed in \d+ ms$/);
    for (const l of lines.slice(0, -1)) expect(visibleLength(l), l).toBeLessThanOrEqual(100);
    expect(r.stdout).not.toContain('\x1b[');
    // A CI log: no per-scenario progress on stderr repeating the report.
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^atp-netlab: running 3 scenario\(s\)/)]);
  });

  it('--quiet prints the summary only; --verbose every table; COLUMNS narrows the rows', async () => {
    const quiet = await runCli(['run', '--quiet', ...PASSING, wrong]);
    expect(quiet.code).toBe(1);
    expect(quiet.stdout).not.toMatch(/^PASS /m);
    expect(quiet.stdout).not.toMatch(/identity\s+host/);
    expect(quiet.stdout.split('\n')[0]).toMatch(/^Warnings \(1, each printed once\):$/);
    expect(quiet.stdout).toMatch(/Failures \(1 scenario\)[\s\S]*\nSummary: 3 scenario/);

    const verbose = await runCli(['run', '--verbose', ...PASSING, wrong], { env: { COLUMNS: '70' } });
    expect(verbose.stdout.split('\n').filter((l) => /^\s+identity\s+host/.test(l))).toHaveLength(3);
    const body = verbose.stdout.trimEnd().split('\n').slice(0, -1);
    for (const l of body) expect(visibleLength(l), l).toBeLessThanOrEqual(70);
    expect(body.some((l) => l.endsWith('…'))).toBe(true);

    expect((await runCli(['run', '-q', '-v', wrong])).code).toBe(2);
  });

  it('FORCE_COLOR colours a pipe, NO_COLOR alone does not', async () => {
    const forced = await runCli(['run', wrong], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain('\x1b[31mFAIL\x1b[39m');
    const plain = await runCli(['run', wrong], { env: { NO_COLOR: '1', FORCE_COLOR: undefined } });
    expect(plain.stdout).not.toContain('\x1b[');
  });
});
