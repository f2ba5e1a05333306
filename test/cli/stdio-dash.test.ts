/**
 * `-` is stdout for every report option and stdin for every input: never a file named `-`.
 * Runs the built CLI in an empty folder, which must stay empty.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_CERTS_DIR } from '../helpers/test-certs.js';

const SCENARIO = path.resolve('scenarios/direct-internet.yaml');
const REG = path.resolve('scenarios/fixtures/customer-hkcu.reg');
let cwd = '';

const cli = (args: string[], input?: Buffer | string) => {
  const r = spawnSync(process.execPath, [path.resolve('dist/cli/main.js'), ...args], {
    cwd,
    input: input ?? '',
    env: { ...process.env, ATP_NETLAB_CERTS: TEST_CERTS_DIR, NO_COLOR: '1' },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
};

beforeEach(() => {
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'dash-'));
});
afterEach(() => {
  expect(fs.readdirSync(cwd), 'nothing written to the current folder (no file named -)').toEqual([]);
  fs.rmSync(cwd, { recursive: true, force: true });
});

describe('- as stdout', () => {
  it('run --junit - writes the XML to stdout and the table to stderr', () => {
    const r = cli(['run', SCENARIO, '--junit', '-']);
    expect(r.code, r.err).toBe(0);
    expect(r.out.startsWith('<?xml')).toBe(true);
    expect(r.out).toContain('<testsuite name="direct-internet"');
    expect(r.out).not.toContain('Summary:');
    expect(r.err).toContain('Summary: 1 scenario(s), 1 passed');
  });

  it.each([
    ['--markdown', /^#/],
    ['--html', /^<!doctype html>/i],
  ])('run %s - writes that report to stdout', (opt, start) => {
    const r = cli(['run', SCENARIO, opt, '-']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(start);
  });

  it('two reports on stdout are a usage error', () => {
    const r = cli(['run', SCENARIO, '--json', '--junit', '-']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--json and --junit - would all write to stdout');
  });

  it('encode --out - writes the file bytes (UTF-16LE .reg) to stdout', () => {
    const r = cli(['encode', '--proxy', 'proxy.contoso.com:8080', '--format', 'reg', '--out', '-']);
    expect(r.code, r.err).toBe(0);
    expect([...r.stdout.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(r.stdout.toString('utf16le')).toContain('DefaultConnectionSettings');
  });
});

describe('- as stdin', () => {
  it('run - reads one scenario from stdin', () => {
    const r = cli(['run', '-', '--json'], fs.readFileSync(SCENARIO));
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as { scenarios: { name: string }[] };
    expect(report.scenarios.map((s) => s.name)).toEqual(['direct-internet']);
  });

  it('run - with an invalid scenario on stdin is exit 2, naming stdin', () => {
    const r = cli(['run', '-'], 'name: broken\n');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^atp-netlab: .*-/m);
  });

  it('stdin named twice is a usage error, not an empty second input', () => {
    const r = cli(['run', '-', '-'], fs.readFileSync(SCENARIO));
    expect(r.code).toBe(2);
    expect(r.err).toContain('named twice');
  });

  it('decode - reads a .reg export from stdin, as decode FILE does', () => {
    const fromFile = cli(['decode', REG, '--json']);
    const fromStdin = cli(['decode', '-', '--json'], fs.readFileSync(REG));
    expect(fromStdin.code, fromStdin.err).toBe(0);
    expect(JSON.parse(fromStdin.out)).toEqual(JSON.parse(fromFile.out));
  });

  it('triage - reads a log from stdin: the same finding as the file, reported as (stdin)', () => {
    const log = path.resolve('test/fixtures/logs/Microsoft.Tri.Sensor.log');
    const fromFile = JSON.parse(cli(['triage', log, '--json']).out);
    const r = cli(['triage', '-', '--json'], fs.readFileSync(log));
    expect(r.code, r.err).toBe(1);
    const fromStdin = JSON.parse(r.out);
    expect(fromStdin.findings.map((f: { signature: string }) => f.signature)).toEqual(fromFile.findings.map((f: { signature: string }) => f.signature));
    expect(fromStdin.findings[0].occurrences[0]).toMatchObject({ file: '(stdin)', line: fromFile.findings[0].occurrences[0].line });
    const twice = cli(['triage', '-', '-'], 'x\n');
    expect(twice.code).toBe(2);
    expect(twice.err).toContain('- (stdin) is named twice');
  });

  it('decode - reads hex from stdin', () => {
    const hex = cli(['encode', '--proxy', 'proxy.contoso.com:8080']).out.trim();
    const r = cli(['decode', '-', '--json'], hex + '\n');
    expect(r.code, r.err).toBe(0);
    expect(JSON.stringify(JSON.parse(r.out))).toContain('proxy.contoso.com:8080');
  });
});
