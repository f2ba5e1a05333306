/**
 * Sans-IO: whether a proxy's own access log (`probe --proxy-log`, parsed by proxy-access-log.ts)
 * says that this check's reset right after CONNECT was its policy.
 *
 *   log text ─▶ entries ─▶ CONNECT lines inside the attempt's window (± the proxy's clock)
 *            ─▶ records ─▶ policyResetReports (the same rule the lab's engines use)
 *
 * The window is what keeps an old denial of the same host from explaining today's reset: a
 * native Squid line is logged at the transaction's end and says how long it ran, so the
 * transaction [logged - elapsed, logged] must overlap [attempt start - tolerance, attempt end
 * + tolerance]. The tolerance is for the proxy's clock, not ours.
 */
import type { ExternalReport, ProbeEvidence } from './evidence.js';
import type { ProxyLogCheck } from './outcome.js';
import { policyResetReports, type DecisionRecordLike } from './policy-reset-reports.js';
import type { ParsedProxyLog, ProxyLogEntry } from './proxy-access-log.js';

/**
 * Default allowance for the proxy's clock against this host's: five minutes, the largest skew
 * a domain member keeps to (Kerberos' default maximum tolerance), so a proxy in the domain is
 * within it and a denial from an earlier attempt, minutes before, is not.
 */
export const PROXY_LOG_DEFAULT_TOLERANCE_MS = 300_000;

export interface AttemptWindow {
  startMs: number;
  endMs: number;
  toleranceMs: number;
}

/** One log as read: where from, the parse, and how much of the file it covers. */
export interface ProxyLogRead {
  file: string;
  parsed?: ParsedProxyLog;
  bytesRead: number;
  skippedBytes: number;
  error?: string;
}

export function inAttemptWindow(e: ProxyLogEntry, w: AttemptWindow): boolean {
  const endMs = e.loggedAtMs;
  const startMs = endMs - (e.elapsedMs ?? 0);
  return endMs >= w.startMs - w.toleranceMs && startMs <= w.endMs + w.toleranceMs;
}

function label(read: ProxyLogRead, e: ProxyLogEntry): string {
  const where = read.skippedBytes > 0 ? `${read.file} (tail) line ${e.line}` : `${read.file}:${e.line}`;
  return `${e.format === 'squid' ? 'squid ' : ''}${where}`;
}

function quoteOf(read: ProxyLogRead, e: ProxyLogEntry): string {
  const host = e.target.includes(':') ? `[${e.target}]` : e.target;
  return `${label(read, e)}: ${e.detail} ${e.method} ${host}:${e.port} (logged ${new Date(e.loggedAtMs).toISOString()})`;
}

/** The reports (a policy denial, if a log line says so) and, per log, what was searched. */
export function proxyLogReports(ev: ProbeEvidence, reads: readonly ProxyLogRead[], w: AttemptWindow): { reports: ExternalReport[]; checks: ProxyLogCheck[] } {
  const reports: ExternalReport[] = [];
  const checks: ProxyLogCheck[] = [];
  for (const read of reads) {
    const check: ProxyLogCheck = {
      file: read.file,
      bytesRead: read.bytesRead,
      skippedBytes: read.skippedBytes,
      lines: read.parsed?.lines ?? 0,
      unparsed: read.parsed?.unparsed ?? 0,
      ...(read.parsed?.firstUnparsedLine !== undefined ? { firstUnparsedLine: read.parsed.firstUnparsedLine } : {}),
      lineNumbersFrom: read.skippedBytes > 0 ? 'tail' : 'start',
      window: { from: new Date(w.startMs).toISOString(), to: new Date(w.endMs).toISOString(), toleranceMs: w.toleranceMs },
      ...(read.error ? { error: read.error } : {}),
    };
    checks.push(check);
    if (!read.parsed) continue;
    // Latest first: of several denials in the window, the one nearest the attempt is cited.
    const candidates = read.parsed.entries.filter((e) => e.method === 'CONNECT' && inAttemptWindow(e, w)).reverse();
    const records: (DecisionRecordLike & { entry: ProxyLogEntry })[] = candidates.map((e) => ({
      target: e.target,
      port: e.port,
      decision: e.decision,
      status: e.status,
      detail: e.detail,
      quote: quoteOf(read, e),
      entry: e,
    }));
    const found = policyResetReports(ev, new Map([['the proxy', records]]));
    if (!found.length) continue;
    reports.push(...found);
    const hit = records.find((r) => r.quote === found[0]!.detail)!.entry;
    check.match = { line: hit.line, text: hit.text, loggedAt: new Date(hit.loggedAtMs).toISOString(), quote: quoteOf(read, hit) };
  }
  return { reports, checks };
}

/** Warnings for the outcome: unreadable logs, lines no format fits, no denial in the window. */
export function proxyLogWarnings(checks: readonly ProxyLogCheck[], target: string): string[] {
  const out: string[] = [];
  const denied = checks.some((c) => c.match);
  for (const c of checks) {
    if (c.error) {
      out.push(`--proxy-log ${c.file}: not read (${c.error})`);
      continue;
    }
    if (c.unparsed > 0) {
      out.push(`--proxy-log ${c.file}: ${c.unparsed} of ${c.lines} line(s) in no known format (Squid native "squid" or the lab's), first at ${c.lineNumbersFrom === 'tail' ? 'tail line' : 'line'} ${c.firstUnparsedLine}`);
    }
    if (!denied && !c.match) {
      out.push(
        `--proxy-log ${c.file}: no denial without a status (e.g. TCP_DENIED/000) of CONNECT ${target} logged between ${c.window.from} and ${c.window.to} (± ${c.window.toleranceMs} ms for the proxy's clock) in ${c.lines} line(s)${c.skippedBytes > 0 ? ` (the last ${c.bytesRead} bytes)` : ''}`,
      );
    }
  }
  return out;
}
