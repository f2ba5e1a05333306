/**
 * Hand-made RunReports for the reporters' unit tests (fast, no lab). The browser test uses
 * real scenario runs instead.
 */
import type { HopTrace, ProbeCode, ProbeOutcome } from '../../src/probe/outcome.js';
import type { CheckResult, RunReport, ScenarioResult } from '../../src/report/result-model.js';

export const HOST = 'contosoatpsensorapi.atp.azure.com';

export function outcome(code: ProbeCode, over: Partial<ProbeOutcome> = {}): ProbeOutcome {
  const reachable = code === 'OK';
  return {
    reachable,
    step: reachable ? 'http' : code.startsWith('PROXY') ? 'proxy' : code.startsWith('TLS') ? 'tls' : code.startsWith('TCP') ? 'tcp' : 'http',
    code,
    inspected: false,
    route: 'PROXY corp-proxy:8080',
    routeSource: 'wininet-static',
    detail: `detail for ${code}`,
    durationMs: 3,
    timings: {},
    ...over,
  };
}

export function check(identity: string, observed: ProbeOutcome, over: Partial<CheckResult> = {}): CheckResult {
  const path: HopTrace[] = [
    { kind: 'host', label: 'Windows host', ok: true },
    { kind: 'firewall', label: 'egress firewall', ok: true },
    { kind: 'proxy', label: 'corp-proxy', ok: observed.reachable, ...(observed.reachable ? {} : { code: observed.code }) },
    { kind: 'cloud', label: over.host ?? HOST, ok: true },
  ];
  return {
    identity,
    url: `https://${over.host ?? HOST}/tri/sensor/api/ping`,
    host: HOST,
    check: 'full',
    passed: true,
    expected: { reachable: observed.reachable, ...(observed.reachable ? { code: 'OK' } : { step: observed.step, code: observed.code }) },
    observed,
    mismatches: [],
    path,
    ...over,
  };
}

export function scenario(name: string, checks: CheckResult[], over: Partial<ScenarioResult> = {}): ScenarioResult {
  return { name, file: `scenarios/${name}.yaml`, description: `The ${name} scenario. Second sentence.`, passed: checks.every((c) => c.passed), durationMs: 10, checks, ...over };
}

export function report(scenarios: ScenarioResult[]): RunReport {
  const passed = scenarios.filter((s) => s.passed).length;
  return { tool: 'atp-netlab', schema: 1, version: '0.1.0', durationMs: 42, summary: { scenarios: scenarios.length, passed, failed: scenarios.length - passed, skipped: 0 }, scenarios };
}

/** proxy-auth-misreported whose expectation was flipped: expected reachable, observed the 403 challenge. */
export function failingMisreported(): ScenarioResult {
  const observed = outcome('PROXY_AUTH_MISREPORTED');
  const mk = (identity: string) =>
    check(identity, observed, { passed: false, expected: { reachable: true, code: 'OK' }, mismatches: ['reachable: expected true, observed false', 'code: expected OK, observed PROXY_AUTH_MISREPORTED'] });
  return scenario('proxy-auth-misreported', [mk('LocalService'), mk('LocalSystem')]);
}

export function inspectedOk(): ScenarioResult {
  const observed = outcome('OK', { inspected: true, route: 'PROXY inspector:8080', issuer: 'Lab Inspection CA' });
  const c = check('LocalService', observed);
  c.path = [
    { kind: 'host', label: 'Windows host', ok: true },
    { kind: 'firewall', label: 'egress firewall', ok: true },
    { kind: 'middlebox', label: 'inspector', ok: true, code: 'OK' },
    { kind: 'cloud', label: HOST, ok: true },
  ];
  return scenario('inspected-ok', [c]);
}
