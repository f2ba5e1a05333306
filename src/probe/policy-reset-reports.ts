/**
 * Sans-IO: whether a proxy's own records say that a reset right after CONNECT was its policy
 * (Squid `deny_info TCP_RESET` logs `TCP_DENIED/0 TCP_RESET`; the built-in proxy with
 * `denyAs: reset` records a denial without a status). Only an engine that can read those
 * records calls this; the probe alone cannot tell a policy reset from a crash (PROXY_CLOSED).
 */
import type { ExternalReport, ProbeEvidence } from './evidence.js';

/** The part of a proxy's record this needs (ProxyDecisionRecord and SquidRecord both have it). */
export interface DecisionRecordLike {
  target: string;
  port: number;
  decision: string;
  status: number | null;
  detail: string;
  /** How to cite the record, when it is a log line (`squid access.log:1234: TCP_DENIED/000 CONNECT host:443`). */
  quote?: string;
}

/** The CONNECT attempt that ended in a reset before any byte of an answer, if any. */
export function resetRightAfterConnect(ev: ProbeEvidence): { proxy: string; target: string } | undefined {
  const c = ev.attempts.at(-1)?.connect;
  if (!c || c.response || c.ending?.kind !== 'reset' || c.ending.bytesReceived !== 0) return undefined;
  return { proxy: c.proxy, target: c.target };
}

/** A policy-denied report per proxy whose records hold a status-less denial of this target. */
export function policyResetReports(ev: ProbeEvidence, recordsByProxy: Map<string, readonly DecisionRecordLike[]>): ExternalReport[] {
  if (!resetRightAfterConnect(ev)) return [];
  const out: ExternalReport[] = [];
  for (const [name, records] of recordsByProxy) {
    const r = records.find((x) => x.decision === 'denied' && x.status === null && x.target.toLowerCase() === ev.host.toLowerCase() && x.port === ev.port);
    if (r) out.push({ source: `${name}'s own log`, kind: 'policy-denied', detail: r.quote ?? `CONNECT ${r.target}:${r.port} ${r.detail}` });
  }
  return out;
}
