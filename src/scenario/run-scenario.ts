/**
 * Runs scenarios: for each, compile its lab plan (host registry and admin steps included),
 * ask the engine whether it can serve it (else: skipped, with the reason), start it, run
 * every planned check through the engine, compare with the expectations, and dispose
 * everything. The runner never knows which engine it drives.
 */
import os from 'node:os';
import { isAtpNetlabError } from '../errors.js';
import type { Engine } from '../engines/engine.js';
import { explainNetworkPlan } from '../lab/lab-plan.js';
import type { LabPki } from '../pki/index.js';
import type { CheckResult, RunReport, ScenarioResult } from '../report/result-model.js';
import { VERSION } from '../version.js';
import { compileScenario } from './compile-plan.js';
import { compareOutcome } from './expectations.js';
import type { LoadedScenario } from './load-scenario.js';
import { describePath } from './path-trace.js';

const CHECKS_IN_FLIGHT = 16;

export type RunEvent =
  | { type: 'scenario-start'; name: string; index: number; total: number }
  | { type: 'scenario-end'; result: ScenarioResult; index: number; total: number };

export interface RunOptions {
  pki: LabPki;
  /** The engine to run on; default the in-process engine. */
  engine?: Engine;
  concurrency?: number;
  onEvent?: (e: RunEvent) => void;
}

async function defaultEngine(): Promise<Engine> {
  // Loaded on first use: the scenario layer names no engine module statically.
  const { engineByName, DEFAULT_ENGINE } = await import('../engines/index.js');
  return engineByName(DEFAULT_ENGINE);
}

export async function runScenarios(scenarios: LoadedScenario[], opts: RunOptions): Promise<RunReport> {
  const started = performance.now();
  const engine = opts.engine ?? (await defaultEngine());
  const missing = await engine.prerequisites();
  const concurrency = Math.max(1, opts.concurrency ?? os.availableParallelism());
  const results: ScenarioResult[] = new Array(scenarios.length);
  let next = 0;
  const worker = async () => {
    while (next < scenarios.length) {
      const index = next++;
      const s = scenarios[index]!;
      opts.onEvent?.({ type: 'scenario-start', name: s.scenario.name, index, total: scenarios.length });
      results[index] = missing.length ? skipped(s, `engine ${engine.name} is not ready: ${missing.join('; ')}`) : await runScenario(s, opts.pki, { engine });
      opts.onEvent?.({ type: 'scenario-end', result: results[index]!, index, total: scenarios.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, scenarios.length) }, worker));
  const passed = results.filter((r) => r.passed).length;
  const skippedCount = results.filter((r) => r.skipped).length;
  return {
    tool: 'atp-netlab',
    schema: 1,
    version: VERSION,
    durationMs: Math.round(performance.now() - started),
    summary: { scenarios: results.length, passed, failed: results.length - passed - skippedCount, skipped: skippedCount },
    scenarios: results,
  };
}

function skipped(loaded: LoadedScenario, reason: string): ScenarioResult {
  const s = loaded.scenario;
  return { name: s.name, file: loaded.file, description: s.description.trim(), passed: false, skipped: true, skipReason: reason, durationMs: 0, checks: [] };
}

/** Why `engine` cannot run the plan, or undefined. */
function skipReason(engine: Engine, plan: Awaited<ReturnType<typeof compileScenario>>['plan']): string | undefined {
  const engines = plan.requires.engines;
  if (engines && !engines.includes(engine.name)) return `the scenario needs engine ${engines.join(' or ')}; this run uses ${engine.name}`;
  return engine.unsupported(plan);
}

export async function runScenario(loaded: LoadedScenario, pki: LabPki, opts: { engine?: Engine } = {}): Promise<ScenarioResult> {
  const s = loaded.scenario;
  const started = performance.now();
  const base = { name: s.name, file: loaded.file, description: s.description.trim() };
  let lab: string | undefined;
  try {
    const engine = opts.engine ?? (await defaultEngine());
    const { plan, expectations } = await compileScenario(loaded);
    lab = explainNetworkPlan(plan);
    const reason = skipReason(engine, plan);
    if (reason) return { ...skipped(loaded, reason), lab };
    await using running = await engine.start(plan, { pki });
    const endpoints = running.endpoints();
    const runOne = async (i: number): Promise<CheckResult> => {
      const check = plan.checks[i]!;
      const observed = await running.runCheck(check);
      const expected = expectations[i]!;
      const mismatches = compareOutcome(expected, observed);
      return { identity: check.identity, url: check.url, host: check.host, check: check.check, ...(check.method ? { method: check.method } : {}), ...(check.attempt ? { attempt: check.attempt } : {}), passed: mismatches.length === 0, expected, observed, mismatches, path: describePath(plan, observed, check.host, { endpoints, targetPort: Number(new URL(check.url).port || 443) }) };
    };
    // Rounds (expectation `attempt`) run one after another; the checks of a round in parallel.
    const checks: CheckResult[] = new Array(plan.checks.length);
    for (const round of attemptRounds(plan.checks)) {
      const results = await mapLimit(round, CHECKS_IN_FLIGHT, (i) => runOne(i));
      round.forEach((i, k) => (checks[i] = results[k]!));
    }
    return { ...base, passed: checks.every((c) => c.passed), durationMs: Math.round(performance.now() - started), checks, lab, steps: plan.host.steps };
  } catch (e) {
    // A bug in the tool is not a scenario result: it ends the run (exit 3).
    if (isAtpNetlabError(e) && e.code === 'ATPNL_INTERNAL') throw e;
    const message = isAtpNetlabError(e) ? e.describe() : `${(e as Error).message}`;
    return { ...base, passed: false, durationMs: Math.round(performance.now() - started), checks: [], error: message, ...(lab ? { lab } : {}) };
  }
}

/** Check indexes grouped by round (attempt 1 first), each round in plan order. */
export function attemptRounds(checks: readonly { attempt?: number }[]): number[][] {
  const byRound = new Map<number, number[]>();
  checks.forEach((c, i) => {
    const r = c.attempt ?? 1;
    byRound.set(r, [...(byRound.get(r) ?? []), i]);
  });
  return [...byRound.entries()].sort((a, b) => a[0] - b[0]).map(([, idx]) => idx);
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
