/**
 * Sans-IO: the distinct paths of one scenario. Twelve checks that all went DIRECT and
 * succeeded are one picture, not twelve; the picture that matters is the one where
 * LocalService and LocalSystem stop at the proxy while CurrentUser gets through. So checks
 * are grouped by the hops they crossed (the cloud hop's host name aside) and by outcome.
 */
import type { HopTrace, ProbeOutcome } from '../probe/outcome.js';
import type { CheckResult } from './result-model.js';

export type CheckStatus = 'passed' | 'failed' | 'warning';

/** `failed` = expectation not met; `warning` = met, but reachable only through SSL inspection. */
export function checkStatus(c: CheckResult): CheckStatus {
  if (!c.passed) return 'failed';
  return c.observed.reachable && c.observed.inspected ? 'warning' : 'passed';
}

/**
 * An expected failure: the check met its expectation, and that expectation was that the path
 * breaks (a scenario that demonstrates a misconfiguration). Still `passed`; drawn neutral, not red.
 */
export function isExpectedFailure(c: CheckResult): boolean {
  return c.passed && !c.observed.reachable && c.expected.reachable === false;
}

export type HopStatus = 'ok' | 'broken' | 'warning' | 'unreached';

export interface PathHop extends HopTrace {
  status: HopStatus;
}

export interface PathGroup {
  hops: PathHop[];
  /** Indexes into the scenario's `checks`. */
  checkIndexes: number[];
  identities: string[];
  hosts: string[];
  observed: Pick<ProbeOutcome, 'reachable' | 'inspected' | 'code' | 'step' | 'route'>;
  /** `broken` when the path did not reach the cloud, `warning` when it did through inspection. */
  status: 'ok' | 'broken' | 'warning';
  /** Broken, and every check in the group expected exactly that (see isExpectedFailure). */
  expectedFailure: boolean;
}

export function groupPaths(checks: CheckResult[]): PathGroup[] {
  const groups = new Map<string, PathGroup>();
  checks.forEach((c, i) => {
    const hops = hopsOf(c);
    const o = c.observed;
    const key = JSON.stringify([hops.map((h) => [h.kind, h.kind === 'cloud' ? '' : h.label, h.status, h.code ?? '']), o.code, o.inspected, o.route]);
    let g = groups.get(key);
    if (!g) {
      const status = !o.reachable ? 'broken' : o.inspected ? 'warning' : 'ok';
      g = { hops, checkIndexes: [], identities: [], hosts: [], observed: { reachable: o.reachable, inspected: o.inspected, code: o.code, step: o.step, route: o.route }, status, expectedFailure: status === 'broken' };
      groups.set(key, g);
    }
    g.checkIndexes.push(i);
    if (!isExpectedFailure(c)) g.expectedFailure = false;
    if (!g.identities.includes(c.identity)) g.identities.push(c.identity);
    if (!g.hosts.includes(c.host)) g.hosts.push(c.host);
  });
  return [...groups.values()];
}

/** The check's hops with a drawing status; a path the runner did not trace is rebuilt from the outcome. */
export function hopsOf(c: CheckResult): PathHop[] {
  const trace = c.path?.length ? c.path : fallbackPath(c);
  const brokenAt = trace.findIndex((h) => !h.ok);
  return trace.map((h, i) => ({
    ...h,
    status: brokenAt >= 0 && i > brokenAt ? 'unreached' : !h.ok ? 'broken' : c.observed.reachable && c.observed.inspected && h.kind === 'middlebox' ? 'warning' : 'ok',
  }));
}

/** Reports built from JSON (which has no `path`) still get a picture: host → proxy? → cloud. */
function fallbackPath(c: CheckResult): HopTrace[] {
  const o = c.observed;
  const proxy = /^PROXY ([^\s]+)/.exec(o.route)?.[1];
  const hops: HopTrace[] = [{ kind: 'host', label: 'Windows host', ok: true }];
  if (proxy) hops.push({ kind: 'proxy', label: proxy, ok: true });
  else if (o.route.startsWith('TRANSPARENT')) hops.push({ kind: 'transparent', label: 'transparent proxy', ok: true });
  if (o.inspected) hops.push({ kind: 'middlebox', label: 'SSL inspection', ok: true });
  hops.push({ kind: 'cloud', label: c.host, ok: true });
  if (o.reachable) return hops;
  const at =
    o.step === 'route' || o.step === 'dns' ? 0
    : (o.step === 'proxy' || o.step === 'tcp') && hops[1]!.kind !== 'cloud' && hops[1]!.kind !== 'middlebox' ? 1
    : (o.step === 'tls' || o.step === 'http') && o.inspected ? hops.findIndex((h) => h.kind === 'middlebox')
    : hops.length - 1;
  hops[at] = { ...hops[at]!, ok: false, code: o.code };
  return hops;
}
