/**
 * Sans-IO: a proxy's own access log, as the customer has it, read line by line into entries
 * the policy-reset rule can judge (policy-reset-reports.ts). `probe --proxy-log` feeds it.
 *
 * Formats (each line is tried in this order):
 *   squid   Squid's native `squid` logformat, the default of `access_log` (squid.conf.documented):
 *             %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt
 *           e.g. `1796412738.442      0 127.0.0.1 TCP_DENIED/000 0 CONNECT host:443 - HIER_NONE/- -`
 *           (the time is when Squid logged the transaction, i.e. its END; %tr is how long it ran)
 *   atpnl   the lab's own `|`-separated format (src/lab/squid-config.ts SQUID_LOGFORMAT), so a
 *           lab rehearsal's Squid log works too: %ts.%03tu|%>a|%rm|%ru|%>Hs|%Ss|%err_code|...
 *
 * Seen with Squid 5.7 (squid-openssl), native format: `deny_info TCP_RESET` on a CONNECT logs
 * `TCP_DENIED/000 0 CONNECT host:443`, an ordinary denial `TCP_DENIED/403 3412 CONNECT host:443`,
 * an allowed tunnel `TCP_TUNNEL/200 684 CONNECT host:443 - HIER_DIRECT/addr`, a client that
 * gave up `NONE_NONE_ABORTED/000`, a connection closed before any request (the lab's readiness
 * check, a load balancer's health check) `NONE_NONE/000 0 - error:transaction-end-before-headers`.
 * Only a denial without a status (000) explains a reset.
 *
 * A line that fits no format is counted, never silently dropped: a wrong file or a custom
 * logformat must show, or "no denial found" would mean nothing.
 */

export type ProxyLogFormat = 'squid' | 'atpnl';

export interface ProxyLogEntry {
  format: ProxyLogFormat;
  /** 1-based line number in the text given (see ProxyLogText.firstLine for a tail read). */
  line: number;
  /** The line as written (trimmed), for the report. */
  text: string;
  /** When the proxy logged it (ms since the epoch, the proxy's clock): the transaction's end. */
  loggedAtMs: number;
  /** How long the transaction ran (native %tr), when the format says. */
  elapsedMs?: number;
  client: string;
  method: string;
  /** The request's host (brackets stripped from an IPv6 literal) and port. */
  target: string;
  port: number;
  /** Squid's result code: TCP_DENIED, TCP_TUNNEL, NONE_NONE_ABORTED... */
  result: string;
  /** The status sent, or null when none was (Squid writes 000: a reset or an abort). */
  status: number | null;
  decision: 'denied' | 'other';
  /** `TCP_DENIED/000`: the result and status as the log writes them. */
  detail: string;
}

export interface ParsedProxyLog {
  entries: ProxyLogEntry[];
  /** Non-empty lines read. */
  lines: number;
  /** Lines no format fits, and the first of them. */
  unparsed: number;
  firstUnparsedLine?: number;
  firstUnparsedText?: string;
}

/** `host:port`, `[v6]:port`, or an absolute URL, as host and port (the port from the scheme when absent). */
export function authorityOf(method: string, url: string): { target: string; port: number } | undefined {
  if (method !== 'CONNECT' && /^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      const u = new URL(url);
      const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : u.protocol === 'http:' ? 80 : NaN;
      if (!Number.isInteger(port)) return undefined;
      return { target: u.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port };
    } catch {
      return undefined;
    }
  }
  const m = /^(\[[0-9a-f:.]+\]|[^\s:[\]]+):(\d{1,5})$/i.exec(url);
  if (!m || Number(m[2]) > 65_535) return undefined;
  return { target: m[1]!.replace(/^\[|\]$/g, '').toLowerCase(), port: Number(m[2]) };
}

function epochMs(text: string | undefined): number | undefined {
  if (!text || !/^\d{9,11}(\.\d{1,6})?$/.test(text)) return undefined;
  return Math.round(Number(text) * 1000);
}

function decisionOf(result: string, status: number | null): ProxyLogEntry['decision'] {
  return result.startsWith('TCP_DENIED') || status === 403 ? 'denied' : 'other';
}

function statusOf(text: string | undefined): number | null | undefined {
  if (text === undefined || !/^\d{1,3}$/.test(text) && text !== '-') return undefined;
  const n = Number(text);
  return text === '-' || n === 0 ? null : n;
}

/** Squid native: time elapsed client code/status bytes method URL user hierarchy/peer type. */
function parseNative(text: string, line: number): ProxyLogEntry | undefined {
  const f = text.split(/\s+/);
  if (f.length < 10) return undefined;
  const [time, elapsed, client, codeStatus, bytes, method, url] = f;
  const loggedAtMs = epochMs(time);
  const cs = /^([A-Z_]+)\/(\d{3}|-)$/.exec(codeStatus!);
  if (loggedAtMs === undefined || !/^\d+$/.test(elapsed!) || !cs || !/^\d+$/.test(bytes!) || !/^([A-Z_]+|-)$/.test(method!)) return undefined;
  const status = statusOf(cs[2]);
  if (status === undefined) return undefined;
  // Squid logs transactions that never had a request too (a health check that connects and
  // closes: `NONE_NONE/000 0 - error:transaction-end-before-headers`): lines of the log, of no host.
  const where = authorityOf(method!, url!) ?? { target: '', port: 0 };
  return { format: 'squid', line, text, loggedAtMs, elapsedMs: Number(elapsed), client: client!, method: method!, ...where, result: cs[1]!, status, decision: decisionOf(cs[1]!, status), detail: codeStatus! };
}

/** The lab's `|` format: time|client|method|url|status|result|err|... (11 fields or more). */
function parseAtpnl(text: string, line: number): ProxyLogEntry | undefined {
  const f = text.split('|');
  if (f.length < 11) return undefined;
  const [time, client, method, url, statusText, result, err] = f;
  const loggedAtMs = epochMs(time);
  const status = statusOf(statusText);
  if (loggedAtMs === undefined || status === undefined || !/^[A-Z_]+$/.test(result!) || !/^([A-Z_]+|-)$/.test(method!)) return undefined;
  const where = authorityOf(method!, url!) ?? { target: '', port: 0 };
  const detail = `${result}/${statusText!.padStart(3, '0')}${err && err !== '-' ? ` ${err}` : ''}`;
  return { format: 'atpnl', line, text, loggedAtMs, client: client!, method: method!, ...where, result: result!, status, decision: decisionOf(result!, status), detail };
}

/**
 * Every line of `text` (lines numbered from `firstLine`): the entries of every format that
 * fits, and the count of those none fits. A last line without its newline is kept: Squid
 * writes whole lines, so it is a complete one from a copy that dropped the final newline.
 */
export function parseProxyAccessLog(text: string, firstLine = 1): ParsedProxyLog {
  const out: ParsedProxyLog = { entries: [], lines: 0, unparsed: 0 };
  text.split('\n').forEach((raw, i) => {
    const t = raw.trim();
    if (t === '') return;
    out.lines++;
    const line = firstLine + i;
    const e = parseNative(t, line) ?? parseAtpnl(t, line);
    if (e) out.entries.push(e);
    else if (out.unparsed++ === 0) {
      out.firstUnparsedLine = line;
      out.firstUnparsedText = t.slice(0, 120);
    }
  });
  return out;
}
