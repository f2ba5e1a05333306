/**
 * `probe --matrix --json` against a running `lab up` (real transport, names pinned to the lab's
 * loopback addresses: nothing leaves 127.0.0.0/8), validated against the committed JSON Schema
 * with Ajv; the exit-code rule; usage errors; and the scenario that runs the matrix in the lab.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLabForScenario, type RunningLab } from '../../src/cli/commands/lab-up.js';
import { probeMatrixCommand, type ProbeMatrixCommandOptions } from '../../src/cli/commands/probe-matrix-option.js';
import { registerProbe } from '../../src/cli/commands/probe.js';
import { exitCodeFor, isAtpNetlabError } from '../../src/errors.js';
import { MATRIX_METHODS } from '../../src/probe/matrix-methods.js';
import { PROBE_CODE_NAMES } from '../../src/probe/outcome.js';
import type { ProbeMatrixReport } from '../../src/probe/probe-matrix.js';
import type { RunReport } from '../../src/report/result-model.js';
import { loadScenarioFile } from '../../src/scenario/load-scenario.js';
import { runScenario } from '../../src/scenario/run-scenario.js';
import { renderConsoleReport } from '../../src/report/console-report.js';
import { renderJsonReport } from '../../src/report/json-report.js';
import { renderMarkdownReport } from '../../src/report/markdown-report.js';
import { TEST_CERTS_DIR } from '../helpers/test-certs.js';
import { LabPki } from '../../src/pki/index.js';

const SCENARIO = 'scenarios/matrix-proxy-only-in-hkcu.yaml';
const SCHEMA = JSON.parse(fs.readFileSync('docs/probe-matrix.schema.json', 'utf8')) as object;
const validate = new Ajv({ allErrors: true }).compile(SCHEMA);
const WS = 'contosoatpsensorapi.atp.azure.com';

/** The real probe command definition, exit code as main() computes it (main.ts runs on import). */
async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerProbe(program, (c) => (code = Math.max(code, c)));
  for (const sub of program.commands) sub.exitOverride().configureOutput({ writeErr: () => undefined });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (isAtpNetlabError(e)) return exitCodeFor(e);
    throw e;
  }
}

let running: RunningLab;
let dir: string;
let base: ProbeMatrixCommandOptions;

beforeAll(async () => {
  running = await startLabForScenario(SCENARIO, { certs: TEST_CERTS_DIR });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atp-netlab-matrix-test-'));
  fs.writeFileSync(
    path.join(dir, 'SensorConfiguration.json'),
    JSON.stringify({ SensorProxyConfiguration: { Url: 'http://corp-proxy:8080' } }),
  );
  base = {
    ...running.probeOptions,
    // WPAD discovery must not ask the system resolver: pin its name to a loopback address where
    // nothing listens on port 80 (discovery then finds no script).
    resolve: [...(running.probeOptions.resolve ?? []), 'wpad.contoso.example:127.0.0.254'],
    matrix: true,
    json: true,
    timeoutMs: 5_000,
  };
}, 60_000);

afterAll(async () => {
  await running?.[Symbol.asyncDispose]();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const cell = (r: ProbeMatrixReport, identity: string, method: string) => r.rows.find((x) => x.identity === identity && x.host === WS)!.cells.find((c) => c.method === method)!;

describe('probe --matrix --json against lab up', () => {
  it('every method per identity, valid against docs/probe-matrix.schema.json', async () => {
    const out = await probeMatrixCommand({ ...base, proxy: 'http://corp-proxy:8080', sensorConfig: path.join(dir, 'SensorConfiguration.json') });
    const doc = JSON.parse(out.stdout) as ProbeMatrixReport;
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.methods).toEqual([...MATRIX_METHODS]);
    expect(doc.identities).toEqual(['CurrentUser', 'LocalService', 'LocalSystem']);
    expect(doc.rows).toHaveLength(3);

    // The administrator's HKCU proxy works for CurrentUser only; the services' hives have no value.
    expect(cell(doc, 'CurrentUser', 'wininet')).toMatchObject({ configured: true, reachable: true, code: 'OK', routeSource: 'wininet-static', route: expect.stringMatching(/^PROXY /) });
    for (const id of ['LocalService', 'LocalSystem']) {
      expect(cell(doc, id, 'wininet')).toMatchObject({ configured: false, reachable: false, step: 'route', code: 'ROUTE_NOT_CONFIGURED' });
      expect(cell(doc, id, 'wininet').detail).toContain('no DefaultConnectionSettings value');
    }
    for (const id of doc.identities) {
      // No WPAD on this network; WinHTTP (netsh) and the named proxy reach the cloud for everyone.
      expect(cell(doc, id, 'wpad')).toMatchObject({ configured: false, code: 'ROUTE_NOT_CONFIGURED', routeSource: 'wpad' });
      expect(cell(doc, id, 'winhttp')).toMatchObject({ configured: true, reachable: true, code: 'OK', routeSource: 'winhttp' });
      expect(cell(doc, id, 'named-proxy')).toMatchObject({ configured: true, reachable: true, code: 'OK', routeSource: 'named-proxy' });
      // From outside the process the lab's egress firewall does not exist (lab up says so): direct works here.
      expect(cell(doc, id, 'direct')).toMatchObject({ configured: true, reachable: true, route: 'DIRECT' });
    }
    // The sensor's own proxy is the sensor service's.
    expect(cell(doc, 'LocalService', 'sensor-config')).toMatchObject({ configured: true, reachable: true, routeSource: 'sensor-config' });
    expect(cell(doc, 'LocalSystem', 'sensor-config')).toMatchObject({ configured: false, code: 'ROUTE_NOT_CONFIGURED' });
    expect(doc.rows.find((r) => r.identity === 'LocalService')!.reachableBy).toEqual(['direct', 'sensor-config', 'winhttp', 'named-proxy']);
    expect(doc.summary).toEqual({ rows: 3, reachable: 3, unreachable: 0, cellsNotConfigured: 7 });
    expect(doc.inputs.namedProxy).toBe('corp-proxy:8080');
    expect(out.exitCode).toBe(0);
    expect(doc.exitCode).toBe(0);
  }, 60_000);

  it('exit 1 when some row is reached by no method: not configured is not reachable', async () => {
    const out = await probeMatrixCommand({ ...base, identities: 'LocalService,LocalSystem', methods: 'wininet,wpad,sensor-config' });
    const doc = JSON.parse(out.stdout) as ProbeMatrixReport;
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.rows.every((r) => r.reachableBy.length === 0 && r.cells.every((c) => !c.configured))).toBe(true);
    expect(doc.summary).toMatchObject({ rows: 2, reachable: 0, unreachable: 2 });
    expect(out.exitCode).toBe(1);
  }, 60_000);

  it('the process exit code and the table through the real command line', async () => {
    const writes: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    const origErr = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string) => (writes.push(String(s)), true)) as typeof process.stdout.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    const argv = (extra: string[]) => [
      'node', 'atp-netlab', 'probe', '--matrix', '--workspace', 'contosoATP', '--reg', base.reg!, '--hosts', base.hosts!,
      ...(base.resolve ?? []).flatMap((r) => ['--resolve', r]), '--dns-suffix', 'contoso.example',
      ...(base.ca ?? []).flatMap((c) => ['--ca', c]), '--expect-root', base.expectRoot![0]!, '--timeout-ms', '5000', ...extra,
    ];
    let ok: number, none: number, bad: number, needsMatrix: number;
    try {
      ok = await main(argv(['--identities', 'LocalService', '--methods', 'wininet,named-proxy', '--proxy', 'corp-proxy:8080']));
      none = await main(argv(['--identities', 'LocalService', '--methods', 'wininet']));
      bad = await main(argv(['--methods', 'carrier-pigeon']));
      needsMatrix = await main(['node', 'atp-netlab', 'probe', '--workspace', 'contosoATP', '--identities', 'LocalService']);
    } finally {
      process.stdout.write = orig;
      process.stderr.write = origErr;
    }
    expect([ok, none, bad, needsMatrix]).toEqual([0, 1, 2, 2]);
    const table = writes.join('');
    expect(table).toMatch(/host\s+identity\s+wininet\s+named-proxy/);
    expect(table).toMatch(new RegExp(`${WS.replace(/\./g, '\\.')}\\s+LocalService\\s+-\\s+yes OK`));
  }, 60_000);
});

describe('the matrix schema', () => {
  it('lists every probe code and method, and rejects a document that breaks it', () => {
    const s = SCHEMA as { definitions: { method: { enum: string[] }; cell: { properties: { code: { enum: string[] } } } } };
    expect(s.definitions.cell.properties.code.enum).toEqual(PROBE_CODE_NAMES);
    expect(s.definitions.method.enum).toEqual([...MATRIX_METHODS]);
    const cellOf = { method: 'direct', configured: false, reachable: false, step: 'route', code: 'TCP_TIMEOUT', route: 'DIRECT', routeSource: null, inspected: false, detail: '', durationMs: 0 };
    const doc = {
      tool: 'atp-netlab', kind: 'probe-matrix', schema: 1, version: '0', mode: 'real', workspace: null, region: null, methods: ['direct'], identities: ['LocalService'],
      inputs: { registry: null, sensorConfig: null, namedProxy: null }, notes: [], rows: [{ host: WS, url: `https://${WS}/`, identity: 'LocalService', cells: [cellOf], reachableBy: [] }],
      summary: { rows: 1, reachable: 0, unreachable: 1, cellsNotConfigured: 1 }, exitCode: 1,
    };
    // "not configured" must carry ROUTE_NOT_CONFIGURED.
    expect(validate(doc)).toBe(false);
    expect(validate({ ...doc, rows: [{ ...doc.rows[0], cells: [{ ...cellOf, code: 'ROUTE_NOT_CONFIGURED' }] }] })).toBe(true);
    expect(validate({ ...doc, exitCode: 3 })).toBe(false);
  });
});

describe('usage', () => {
  it('refuses --pac in matrix mode and unknown identities', async () => {
    await expect(probeMatrixCommand({ workspace: 'contosoATP', matrix: true, pac: 'http://wpad/wpad.dat' })).rejects.toMatchObject({ code: 'ATPNL_USAGE' });
    await expect(probeMatrixCommand({ workspace: 'contosoATP', matrix: true, identities: 'LocalService,Nobody' })).rejects.toThrow(/unknown identity "Nobody"/);
  });
});

describe('the matrix inside a scenario', () => {
  it('run judges each method cell and prints the matrix for a passing scenario', async () => {
    const result = await runScenario(await loadScenarioFile(SCENARIO), await LabPki.load(TEST_CERTS_DIR));
    expect(result.error).toBeUndefined();
    expect(result.checks.filter((c) => !c.passed).map((c) => `${c.identity} ${c.method} ${c.mismatches.join(', ')}`)).toEqual([]);
    const m = (id: string, method: string) => result.checks.find((c) => c.identity === id && c.method === method)!.observed;
    expect(m('LocalService', 'direct')).toMatchObject({ reachable: false, code: 'TCP_TIMEOUT' });
    expect(m('LocalService', 'named-proxy')).toMatchObject({ reachable: true, code: 'OK' });
    expect(m('LocalService', 'wininet')).toMatchObject({ code: 'ROUTE_NOT_CONFIGURED' });
    // The identity's own route is still checked as before (no method).
    expect(result.checks.find((c) => c.identity === 'LocalService' && c.method === undefined)!.observed).toMatchObject({ code: 'TCP_TIMEOUT', routeSource: 'none' });
    const report: RunReport = { tool: 'atp-netlab', schema: 1, version: '0', durationMs: 0, summary: { scenarios: 1, passed: 1, failed: 0, skipped: 0 }, scenarios: [result] };
    const text = renderConsoleReport(report, { color: false, columns: 100 });
    // The JSON report names each check's method; Markdown labels the row.
    const json = JSON.parse(renderJsonReport(report)) as { scenarios: { checks: { identity: string; method?: string }[] }[] };
    expect(json.scenarios[0]!.checks.filter((c) => c.identity === 'LocalService').map((c) => c.method ?? null).sort()).toEqual(
      ['direct', 'named-proxy', 'sensor-config', 'winhttp', 'wininet', 'wpad', null].sort(),
    );
    // Markdown lists failing checks only: one made to fail is labelled with its method.
    const failing = { ...result, passed: false, checks: result.checks.map((c) => (c.identity === 'LocalService' && c.method === 'named-proxy' ? { ...c, passed: false, mismatches: ['made to fail'] } : c)) };
    expect(renderMarkdownReport({ ...report, scenarios: [failing] })).toMatch(/contosoatpsensorapi\.atp\.azure\.com \(named-proxy\)/);
    expect(text).toMatch(/proxy-method matrix/);
    expect(text).toMatch(/LocalService\s+-\s+-\s+NO tcp\/TCP_TIMEOUT\s+-\s+yes OK\s+yes OK/);
  }, 60_000);
});
