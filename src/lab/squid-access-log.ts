/**
 * Sans-IO: Squid's own access log (SQUID_LOGFORMAT) as the record shape the built-in forward
 * proxy keeps (ProxyDecisionRecord), with Squid's words alongside (result code, error code,
 * bump mode, SNI), so a test asserts from what Squid itself wrote.
 */
import type { ProxyDecisionRecord } from './forward-proxy.js';

export interface SquidRecord extends ProxyDecisionRecord {
  source: 'squid';
  method: string;
  /** Squid's result code: TCP_TUNNEL, TCP_DENIED, NONE_NONE, TCP_MISS… */
  result: string;
  /** ERR_ACCESS_DENIED, ERR_SECURE_CONNECT_FAIL, ERR_DNS_FAIL…, or null. */
  errCode: string | null;
  errDetail: string | null;
  /** peek, splice, bump, or null (no ssl_bump decision). */
  bumpMode: string | null;
  sni: string | null;
  /** The user name Squid authenticated (Basic auth), or null. */
  user: string | null;
}

const dash = (v: string | undefined): string | null => (v === undefined || v === '-' || v === '' ? null : v);

function decisionOf(method: string, status: number | null, result: string, errCode: string | null): ProxyDecisionRecord['decision'] {
  if (status === 407) return 'auth-required';
  // deny_info 401:/403:ERR_CACHE_ACCESS_DENIED (squid-config.ts): credentials asked for without a 407.
  if ((status === 401 || status === 403) && errCode?.endsWith('ERR_CACHE_ACCESS_DENIED')) return 'auth-misreported';
  if (result === 'TCP_DENIED' || status === 403) return 'denied';
  if (status !== null && status >= 500) return 'upstream-failed';
  if (errCode && /CONNECT_FAIL|DNS_FAIL|CANNOT_FORWARD|READ_ERROR|ZERO_SIZE/.test(errCode)) return 'upstream-failed';
  if (method === 'CONNECT' && (status === 200 || result === 'TCP_TUNNEL')) return 'tunnel';
  if (status === null || status === 0) return 'closed';
  return 'forwarded';
}

function unescapeUser(u: string | null): string | null {
  if (u === null) return null;
  try {
    return decodeURIComponent(u);
  } catch {
    return u;
  }
}

/** One record per well-formed line; `whoIs` names the client address. */
export function parseSquidAccessLog(text: string, whoIs: (address: string) => string): SquidRecord[] {
  const out: SquidRecord[] = [];
  for (const line of text.split('\n')) {
    const f = line.split('|');
    if (f.length < 11) continue;
    const [, client, method, url, statusText, result, err, errDetail, bump, sni, , user] = f;
    const statusNumber = Number(statusText);
    const status = Number.isFinite(statusNumber) && statusNumber > 0 ? statusNumber : null;
    const authority = method === 'CONNECT' ? url! : (() => {
      try {
        const u = new URL(url!);
        return `${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`;
      } catch {
        return url!;
      }
    })();
    const m = /^(.*):(\d+)$/.exec(authority);
    const errCode = dash(err);
    const decision = decisionOf(method!, status, result!, errCode);
    out.push({
      source: 'squid',
      from: whoIs(client!),
      target: m ? m[1]!.replace(/^\[|\]$/g, '') : authority,
      port: m ? Number(m[2]) : 0,
      decision,
      status,
      detail: [`${result}/${statusText}`, errCode, dash(errDetail), dash(bump) ? `bump_mode ${bump}` : null].filter(Boolean).join(' '),
      method: method!,
      result: result!,
      errCode,
      errDetail: dash(errDetail),
      bumpMode: dash(bump),
      sni: dash(sni),
      // %un is URL-escaped in Squid's log (CONTOSO%5Cadmin).
      user: unescapeUser(dash(user)),
    });
  }
  return out;
}
