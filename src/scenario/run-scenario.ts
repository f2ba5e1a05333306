/**
 * Runs scenarios: for each, start its lab, build its Windows host registry, run the admin
 * steps, probe every planned (identity, host, check) with the real WinINET resolution and the
 * real probe, compare with the expectations, and dispose everything.
 */
import os from 'node:os';
import { pingUrl, PING_PATH } from '../catalog/index.js';
import { isAtpNetlabError } from '../errors.js';
import { canAnswerProxyChallenge, type Identity } from '../identity.js';
import { explainLab } from '../lab/lab-definition.js';
import { startLab, type StartedLab } from '../lab/topology.js';
import { AUTH_CHECK_PATH } from '../lab/mock-cloud.js';
import type { LabPki } from '../pki/index.js';
import { checkUrl, type ProbeTimeouts } from '../probe/check-url.js';
import type { RevocationCheck } from '../probe/check-revocation.js';
import { applyRevocationPolicy, checkRevocationHosts } from '../probe/revocation-policy.js';
import type { CheckResult, RunReport, ScenarioResult } from '../report/result-model.js';
import { VERSION } from '../version.js';
import { PacRuntime, readWinInetState, resolveRoute, type WinInetState } from '../wininet/index.js';
import { compareOutcome, planChecks, type PlannedCheck } from './expectations.js';
import { buildHostRegistry } from './host-registry.js';
import type { LoadedScenario } from './load-scenario.js';
import { scenarioHosts, scenarioLabDefinition } from './scenario-lab.js';
import type { IdentitySettings, Scenario } from './schema.js';
import { describePath } from './path-trace.js';

/** Lab deadlines: short, because every component is on loopback; a dropped packet costs tcpMs. */
export const LAB_TIMEOUTS: ProbeTimeouts = { tcpMs: 150, proxyMs: 3_000, tlsMs: 3_000, httpMs: 3_000, totalMs: 8_000 };
const CHECKS_IN_FLIGHT = 16;

export type RunEvent =
  | { type: 'scenario-start'; name: string; index: number; total: number }
  | { type: 'scenario-end'; result: ScenarioResult; index: number; total: number };

export interface RunOptions {
  pki: LabPki;
  concurrency?: number;
  onEvent?: (e: RunEvent) => void;
}

export async function runScenarios(scenarios: LoadedScenario[], opts: RunOptions): Promise<RunReport> {
  const started = performance.now();
  const concurrency = Math.max(1, opts.concurrency ?? os.availableParallelism());
  const results: ScenarioResult[] = new Array(scenarios.length);
  let next = 0;
  const worker = async () => {
    while (next < scenarios.length) {
      const index = next++;
      const s = scenarios[index]!;
      opts.onEvent?.({ type: 'scenario-start', name: s.scenario.name, index, total: scenarios.length });
      results[index] = await runScenario(s, opts.pki);
      opts.onEvent?.({ type: 'scenario-end', result: results[index]!, index, total: scenarios.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, scenarios.length) }, worker));
  const passed = results.filter((r) => r.passed).length;
  return {
    tool: 'atp-netlab',
    schema: 1,
    version: VERSION,
    durationMs: Math.round(performance.now() - started),
    summary: { scenarios: results.length, passed, failed: results.length - passed },
    scenarios: results,
  };
}

export async function runScenario(loaded: LoadedScenario, pki: LabPki): Promise<ScenarioResult> {
  const s = loaded.scenario;
  const started = performance.now();
  const base = { name: s.name, file: loaded.file, description: s.description.trim() };
  const hosts = scenarioHosts(s);
  const def = scenarioLabDefinition(s, hosts);
  let lab: StartedLab | undefined;
  let registry: Awaited<ReturnType<typeof buildHostRegistry>> | undefined;
  try {
    registry = await buildHostRegistry(s, loaded.file, { allowRoots: loaded.allowRoots ?? [] });
    lab = await startLab(def, pki);
    const transport = lab.hostTransport();
    // One PAC session per scenario, as WinINET keeps one per process: one download, one answer.
    using pac = new PacRuntime({ transport, fetchTimeoutMs: 2_000 });
    const ctx: CheckContext = { scenario: s, lab, store: registry.store, pki, pac, transport, revocation: new Map(), states: new Map() };
    const planned = planChecks(s.expect, hosts);
    const checks = await mapLimit(planned, CHECKS_IN_FLIGHT, (p) => runCheck(p, ctx));
    return { ...base, passed: checks.every((c) => c.passed), durationMs: Math.round(performance.now() - started), checks, lab: explainLab(def), steps: registry.steps };
  } catch (e) {
    const message = isAtpNetlabError(e) ? e.describe() : `${(e as Error).message}`;
    return { ...base, passed: false, durationMs: Math.round(performance.now() - started), checks: [], error: message, lab: explainLab(def) };
  } finally {
    await lab?.stop();
    await registry?.dispose();
  }
}

/** Revocation hosts are checked once per identity and scenario (the route depends on the identity). */
function revocationFor(identity: Identity, state: WinInetState, settings: IdentitySettings, ctx: CheckContext): Promise<RevocationCheck[]> {
  let p = ctx.revocation.get(identity);
  if (!p) {
    p = checkRevocationHosts((u) => resolveRoute(state, u, { transport: ctx.transport, pac: ctx.pac }), {
      identity,
      transport: ctx.transport,
      tcpTimeoutMs: LAB_TIMEOUTS.tcpMs,
      timeoutMs: LAB_TIMEOUTS.httpMs,
      ...(settings.proxyCredentials && canAnswerProxyChallenge(identity) ? { proxyCredentials: settings.proxyCredentials } : {}),
    });
    ctx.revocation.set(identity, p);
  }
  return p;
}

/** An identity's settings are read from its hive once per scenario, not once per check. */
function stateFor(identity: Identity, ctx: CheckContext): Promise<WinInetState> {
  let p = ctx.states.get(identity);
  if (!p) {
    p = readWinInetState(ctx.store, identity);
    ctx.states.set(identity, p);
  }
  return p;
}

interface CheckContext {
  revocation: Map<Identity, Promise<RevocationCheck[]>>;
  states: Map<Identity, Promise<WinInetState>>;
  scenario: Scenario;
  lab: StartedLab;
  store: Parameters<typeof readWinInetState>[0];
  pki: LabPki;
  pac: PacRuntime;
  transport: ReturnType<StartedLab['hostTransport']>;
}

async function runCheck(p: PlannedCheck, ctx: CheckContext): Promise<CheckResult> {
  const { scenario: s, pki } = ctx;
  const settings: IdentitySettings = s.host.identities[p.identity] ?? {};
  const url = pingUrl(p.host);
  const state = await stateFor(p.identity, ctx);
  const route = await resolveRoute(state, url, { transport: ctx.transport, pac: ctx.pac });
  const cert = settings.clientCert ?? 'enrolled';
  const clientCert =
    cert === 'enrolled' ? { certPem: pki.clientCert.chainPem, keyPem: pki.clientCert.keyPem }
    : cert === 'unenrolled' ? { certPem: pki.unenrolledClientCert.chainPem, keyPem: pki.unenrolledClientCert.keyPem }
    : undefined;
  const trustedCaPems = s.host.trust.map((t) => (t === 'cloud-root' ? pki.trustedRoot.certPem : pki.middleboxCa.certPem));
  const observed = await checkUrl(url, route, {
    identity: p.identity,
    transport: ctx.transport,
    trustedCaPems,
    expected: { rootNames: [commonName(pki.trustedRoot.subject)] },
    ...(clientCert ? { clientCert } : {}),
    ...(settings.proxyCredentials && canAnswerProxyChallenge(p.identity) ? { proxyCredentials: settings.proxyCredentials } : {}),
    pingPath: PING_PATH,
    authCheckPath: AUTH_CHECK_PATH,
    checks: p.check,
    timeouts: { ...LAB_TIMEOUTS, ...s.timeouts },
    userAgent: `atp-netlab-probe (${p.identity})`,
  });
  if (s.revocation !== 'off') applyRevocationPolicy(observed, await revocationFor(p.identity, state, settings, ctx), s.revocation);
  const mismatches = compareOutcome(p.expected, observed);
  return {
    identity: p.identity,
    url,
    host: p.host,
    check: p.check,
    passed: mismatches.length === 0,
    expected: p.expected,
    observed,
    mismatches,
    path: describePath(ctx.lab.definition, observed, p.host),
  };
}

function commonName(subject: string): string {
  return /CN=([^,]+)/.exec(subject)?.[1] ?? subject;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
