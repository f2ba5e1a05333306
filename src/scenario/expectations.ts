/**
 * Sans-IO: which checks a scenario asks for, and whether an outcome meets its expectation.
 */
import { matchesPattern } from '../host-pattern.js';
import type { Identity } from '../identity.js';
import type { MatrixMethod } from '../probe/matrix-methods.js';
import type { ProbeOutcome } from '../probe/outcome.js';
import type { ExpectedOutcome } from '../report/result-model.js';
import type { Expectation } from './schema.js';

export interface HostSet {
  all: string[];
  workspace: string[];
  regional: string[];
  extra: string[];
}

export const DEFAULT_IDENTITIES: Identity[] = ['CurrentUser', 'LocalService', 'LocalSystem'];

export interface PlannedCheck {
  identity: Identity;
  host: string;
  check: 'full' | 'ping';
  /** A proxy method of the matrix; absent: the route the identity takes. */
  method?: MatrixMethod;
  /** The round it runs in (absent: 1); rounds run one after another. */
  attempt?: number;
  expected: ExpectedOutcome;
}

/** Every (identity, host, check) some expectation covers; a later expectation overrides an earlier one. */
export function planChecks(expect: Expectation[], hosts: HostSet): PlannedCheck[] {
  const planned = new Map<string, PlannedCheck>();
  for (const e of expect) {
    const identities = e.identities === 'all' ? DEFAULT_IDENTITIES : e.identities;
    const selected = Array.isArray(e.hosts) ? hosts.all.filter((h) => (e.hosts as string[]).some((p) => matchesPattern(p, h))) : hosts[e.hosts];
    const expected: ExpectedOutcome = {
      reachable: e.reachable,
      ...(e.step !== undefined ? { step: e.step } : {}),
      ...(e.code !== undefined ? { code: e.code } : e.reachable ? { code: 'OK' } : {}),
      ...(e.inspected !== undefined ? { inspected: e.inspected } : {}),
      ...(e.route !== undefined ? { route: e.route } : {}),
      ...(e.routeSource !== undefined ? { routeSource: e.routeSource } : {}),
      ...(e.pingAnswer !== undefined ? { pingAnswer: e.pingAnswer } : {}),
      ...(e.detailIncludes !== undefined ? { detailIncludes: e.detailIncludes } : {}),
      ...(e.warningIncludes !== undefined ? { warningIncludes: e.warningIncludes } : {}),
      ...(e.confirm !== undefined ? { confirm: e.confirm } : {}),
    };
    const methods: (MatrixMethod | undefined)[] = e.method === undefined ? [undefined] : Array.isArray(e.method) ? e.method : [e.method];
    for (const identity of identities)
      for (const host of selected)
        for (const method of methods)
          planned.set(`${identity}|${host}|${e.check}|${method ?? ''}|${e.attempt ?? 1}`, { identity, host, check: e.check, ...(method ? { method } : {}), ...(e.attempt && e.attempt > 1 ? { attempt: e.attempt } : {}), expected });
  }
  return [...planned.values()];
}

/** Lines saying how the observation differs; empty when it meets the expectation. */
export function compareOutcome(expected: ExpectedOutcome, observed: ProbeOutcome): string[] {
  const out: string[] = [];
  if (expected.reachable !== observed.reachable) out.push(`reachable: expected ${expected.reachable}, observed ${observed.reachable}`);
  if (expected.step !== undefined && expected.step !== observed.step) out.push(`step: expected ${expected.step}, observed ${observed.step}`);
  if (expected.code !== undefined && expected.code !== observed.code) out.push(`code: expected ${expected.code}, observed ${observed.code}`);
  if (expected.inspected !== undefined && expected.inspected !== observed.inspected) out.push(`inspected: expected ${expected.inspected}, observed ${observed.inspected}`);
  if (expected.route !== undefined && !observed.route.startsWith(expected.route)) out.push(`route: expected ${expected.route}…, observed ${observed.route}`);
  if (expected.routeSource !== undefined && expected.routeSource !== observed.routeSource) out.push(`route source: expected ${expected.routeSource}, observed ${observed.routeSource}`);
  if (expected.pingAnswer !== undefined && expected.pingAnswer !== observed.pingAnswer) out.push(`ping answer: expected ${expected.pingAnswer}, observed ${observed.pingAnswer ?? 'none'}`);
  if (expected.detailIncludes !== undefined && !observed.detail.toLowerCase().includes(expected.detailIncludes.toLowerCase())) out.push(`detail: expected to mention "${expected.detailIncludes}"`);
  if (expected.warningIncludes !== undefined && !(observed.warnings ?? []).some((w) => w.toLowerCase().includes(expected.warningIncludes!.toLowerCase()))) {
    out.push(`warnings: expected one to mention "${expected.warningIncludes}", observed ${observed.warnings?.length ? observed.warnings.join(' | ') : 'none'}`);
  }
  return out;
}
