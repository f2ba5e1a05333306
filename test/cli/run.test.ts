/**
 * `atp-netlab run` end to end, as a child process: exit codes, reports, and that the process
 * exits by itself (every lab socket closed).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'atp-run-'));

describe('atp-netlab run', () => {
  it('runs the foundation scenarios: JSON schema 1 on stdout, JUnit that parses, exit 0, exits by itself', async () => {
    const dir = tmp();
    const junit = path.join(dir, 'junit.xml');
    const r = await runCli(['run', 'scenarios/proxy-auth-required.yaml', 'scenarios/direct-blocked.yaml', 'scenarios/legacy-workspace-503.yaml', '--json', '--junit', junit]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ tool: 'atp-netlab', schema: 1, version: '0.1.0', summary: { scenarios: 3, passed: 3, failed: 0 } });
    expect(typeof report.durationMs).toBe('number');
    const check = report.scenarios.find((s: { name: string }) => s.name === 'proxy-auth-required').checks.find((c: { identity: string }) => c.identity === 'LocalService');
    expect(Object.keys(check)).toEqual(expect.arrayContaining(['identity', 'url', 'host', 'passed', 'expected', 'observed']));
    expect(check.expected).toMatchObject({ reachable: false, step: 'proxy', code: 'PROXY_AUTH_REQUIRED' });
    expect(Object.keys(check.observed)).toEqual(expect.arrayContaining(['reachable', 'step', 'code', 'inspected', 'route', 'detail', 'durationMs']));
    expect(check.observed).toMatchObject({ reachable: false, step: 'proxy', code: 'PROXY_AUTH_REQUIRED', inspected: false, route: 'PROXY corp-proxy:8080' });
    // Not a terminal: one progress line, not one per scenario (the report says the rest).
    expect(r.stderr).toMatch(/^atp-netlab: running 3 scenario\(s\)/);
    expect(r.stderr).not.toMatch(/\[1\/3\]/);

    const xml = new XMLParser({ ignoreAttributes: false }).parse(fs.readFileSync(junit, 'utf8'));
    const suites = [xml.testsuites.testsuite].flat();
    expect(suites).toHaveLength(3);
    const cases = suites.flatMap((s: { testcase: unknown }) => [s.testcase].flat()) as { failure?: unknown }[];
    expect(cases.length).toBe(report.scenarios.reduce((n: number, s: { checks: unknown[] }) => n + s.checks.length, 0));
    expect(cases.some((c) => c.failure)).toBe(false);
  });

  it('a wrong expectation makes run exit 1 and the report shows expected vs observed', async () => {
    const dir = tmp();
    const file = path.join(dir, 'wrong.yaml');
    fs.writeFileSync(file, fs.readFileSync('scenarios/proxy-auth-misreported.yaml', 'utf8').replace('code: PROXY_AUTH_MISREPORTED', 'code: PROXY_AUTH_REQUIRED'));
    const junit = path.join(dir, 'junit.xml');
    const r = await runCli(['run', file, '--junit', junit]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL');
    expect(r.stdout).toContain('code: expected PROXY_AUTH_REQUIRED, observed PROXY_AUTH_MISREPORTED');
    const xml = new XMLParser({ ignoreAttributes: false }).parse(fs.readFileSync(junit, 'utf8'));
    const failures = [xml.testsuites.testsuite.testcase].flat().filter((c: { failure?: unknown }) => c.failure);
    expect(failures.length).toBe(2);
    expect(JSON.stringify(failures[0].failure)).toMatch(/expected unreachable at proxy\/PROXY_AUTH_REQUIRED, observed unreachable at proxy\/PROXY_AUTH_MISREPORTED/);
  });

  it.each([
    ['bad YAML', 'name: x\ndescription: [unclosed\n', /x\.yaml:\d+(:\d+)?: invalid YAML/],
    ['unknown key', 'name: x\ndescription: A scenario description that is long enough to pass.\nexpect:\n  - reachable: true\n    colour: red\n', /x\.yaml:5: field expect\.0\.colour: unknown key "colour"/],
    ['wrong type', 'name: x\ndescription: A scenario description that is long enough to pass.\nexpect:\n  - reachable: 3\n', /x\.yaml:4: field expect\.0\.reachable: expected boolean/],
  ])('a malformed scenario (%s) exits 2 naming file, line and field, without a stack trace', async (_n, text, message) => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'x.yaml'), text);
    const r = await runCli(['run', path.join(dir, 'x.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('usage errors exit 2; --help exits 0', async () => {
    expect((await runCli(['run', '--concurrency', 'zero'])).code).toBe(2);
    expect((await runCli(['run', 'no/such/dir'])).code).toBe(2);
    const help = await runCli(['run', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--junit');
  });
});

describe('atp-netlab endpoints', () => {
  it('prints the allowlist for a region and workspace', async () => {
    const r = await runCli(['endpoints', '--region', 'europe', '--workspace', 'contosoATP', '--editions', 'seed-2018,workspace']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'triprd1wceun1sensorapi.atp.azure.com:443',
      'triprd1wceuw1sensorapi.atp.azure.com:443',
      'contosoatpsensorapi.atp.azure.com:443',
      'contosoatp.atp.azure.com:443',
    ]);
    expect((await runCli(['endpoints', '--region', 'mars'])).code).toBe(2);
  });
});
