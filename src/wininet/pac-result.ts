/**
 * `FindProxyForURL` results: `PROXY a:1; PROXY b:2; DIRECT`. WinINET tries the entries in
 * order and falls through to the next when one cannot be reached, so order is kept.
 * SOCKS (and the non-WinINET HTTP/HTTPS keywords of other browsers) are reported and skipped.
 */
import type { RouteHop } from '../route.js';
import { parseHostPort } from './host-port.js';

export interface PacResult {
  candidates: RouteHop[];
  issues: string[];
}

export function parsePacResult(result: unknown): PacResult {
  const out: PacResult = { candidates: [], issues: [] };
  if (typeof result !== 'string') {
    out.issues.push(`FindProxyForURL returned ${result === null ? 'null' : typeof result}, not a string`);
    return out;
  }
  for (const raw of result.split(';')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const m = /^(\S+)(?:\s+(.*))?$/.exec(entry)!;
    const keyword = m[1]!.toUpperCase();
    const arg = (m[2] ?? '').trim();
    if (keyword === 'DIRECT') {
      out.candidates.push({ kind: 'DIRECT' });
    } else if (keyword === 'PROXY') {
      const hp = parseHostPort(arg);
      if ('error' in hp) out.issues.push(`PAC entry ${JSON.stringify(entry)} ignored: ${hp.error}`);
      else out.candidates.push({ kind: 'PROXY', host: hp.host, port: hp.port });
    } else {
      out.issues.push(`PAC entry ${JSON.stringify(entry)} ignored: WinINET only uses PROXY and DIRECT`);
    }
  }
  return out;
}
