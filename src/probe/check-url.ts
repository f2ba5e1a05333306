/**
 * One sensor-side check of one URL as one identity:
 *
 *   collectEvidence (the driver: sockets, TLS, HTTP, watchdog) ─▶ ProbeEvidence ─▶ verdict (pure)
 *
 * A network result is always an outcome (DESIGN.md "Probe steps and codes"). An exception is
 * always a bug in the tool and leaves as AtpNetlabError ATPNL_INTERNAL, never disguised as
 * the customer's network failing.
 */
import type { SensorGenerationId } from '../catalog/ping-answers.js';
import type { HostCheckResult } from './host/host-prerequisite-codes.js';
import { AtpNetlabError, isAtpNetlabError } from '../errors.js';
import type { RouteResult } from '../route.js';
import type { NetTransport } from '../transport.js';
import type { ExpectedChain } from './chain-analysis.js';
import { collectEvidence } from './collect-evidence.js';
import { emitProbeEvent } from './diagnostics.js';
import type { ProbeOutcome } from './outcome.js';
import type { ExternalReport, ProbeEvidence } from './evidence.js';
import { verdict } from './verdict.js';

export interface ProbeTimeouts {
  tcpMs: number;
  proxyMs: number;
  tlsMs: number;
  httpMs: number;
  totalMs: number;
}

export const REAL_TIMEOUTS: ProbeTimeouts = { tcpMs: 5_000, proxyMs: 10_000, tlsMs: 10_000, httpMs: 10_000, totalMs: 30_000 };

export interface ProbeOptions {
  identity: string;
  transport: NetTransport;
  /** The host's trust store (PEM). For a real host: node's roots plus any extra CA. */
  trustedCaPems: string[];
  expected: ExpectedChain;
  /** The sensor's certificate (chain PEM) and key, presented when a server asks. */
  clientCert?: { certPem: string; keyPem: string };
  proxyCredentials?: { username: string; password: string };
  pingPath: string;
  /**
   * Which sensor generation this check stands for: it decides which cloud answers prove
   * reachability (catalog/ping-answers.ts) and how a proxy's demand for credentials reads.
   * Default v2-wininet.
   */
  sensor?: SensorGenerationId;
  /** Host prerequisites already checked for this identity; a failed one is the outcome (step `host`). */
  hostChecks?: HostCheckResult[];
  /** Also judge the host clock against the cloud's Date header (HOST_CLOCK_SKEW). */
  checkClockSkew?: boolean;
  /** Authenticated call that succeeds only if the cloud received the sensor's certificate (lab). */
  authCheckPath?: string;
  /** `ping`: what a browser test shows; `full`: ping plus the authenticated call. */
  checks: 'ping' | 'full';
  timeouts: ProbeTimeouts;
  userAgent?: string;
  /**
   * A response header only the cloud sets (the lab cloud sets `X-Atpnl-Lab-Cloud`). Given, an
   * answer without it is not the cloud's. Absent (real mode), the cloud is known by its chain
   * and by the shape of its answers.
   */
  cloudMarkerHeader?: string;
  /**
   * Facts from outside the host, asked for once the evidence is in and before the verdict: an
   * engine that can read a proxy's own log says whether a reset was its policy (sans-IO: the
   * verdict only sees the reports, never the log).
   */
  externalReports?: (ev: ProbeEvidence) => Promise<ExternalReport[]>;
}

/** An exception from the driver or the verdict, as the tool error it is. */
export function internalError(e: unknown, where: string): AtpNetlabError {
  if (isAtpNetlabError(e) && e.code === 'ATPNL_INTERNAL') return e;
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new AtpNetlabError('ATPNL_INTERNAL', `probe ${where}: ${what}`, {}, { cause: e });
}

export async function checkUrl(url: string, routeResult: RouteResult, o: ProbeOptions): Promise<ProbeOutcome> {
  let outcome: ProbeOutcome;
  try {
    const ev = await collectEvidence(url, routeResult, o);
    const extra = o.externalReports ? await o.externalReports(ev) : [];
    outcome = verdict(extra.length ? { ...ev, reports: [...(ev.reports ?? []), ...extra] } : ev);
  } catch (e) {
    throw internalError(e, `check of ${url} as ${o.identity}`);
  }
  emitProbeEvent('outcome', { identity: o.identity, url, outcome });
  return outcome;
}
