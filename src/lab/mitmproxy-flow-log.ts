/**
 * Sans-IO: the lab mitmproxy's own flow log (flows.jsonl, written by its addon,
 * mitmproxy-addon.ts) as the record shape the built-in components keep (ProxyDecisionRecord),
 * with mitmproxy's words alongside (its error text, splice or bump, SNI, the upstream TLS
 * error), in the same fields a Squid record has, so a test asserts from what mitmproxy saw.
 */
import type { ProxyDecisionRecord } from './forward-proxy.js';

export interface MitmproxyRecord extends ProxyDecisionRecord {
  source: 'mitmproxy';
  method: string;
  /** mitmproxy's error text ("Certificate verify failed: …", "Cannot connect to …"), or null. */
  errCode: string | null;
  /** splice (ignore_hosts), bump (intercepted), or null (no TLS seen). */
  bumpMode: 'splice' | 'bump' | null;
  sni: string | null;
  /** The upstream (cloud-side) TLS failure mitmproxy logged, or null. */
  upstreamTls: string | null;
  /** Whether mitmproxy was configured to present a client certificate upstream (client_certs). */
  clientCert: boolean;
}

interface FlowLine {
  client?: string | null;
  method?: string;
  host?: string | null;
  port?: number | null;
  status?: number | null;
  mode?: string | null;
  sni?: string | null;
  error?: string | null;
  upstreamTls?: string | null;
  clientCert?: boolean;
}

function decisionOf(line: FlowLine): ProxyDecisionRecord['decision'] {
  const status = line.status ?? null;
  if (status === 407) return 'auth-required';
  if (status === 403) return 'denied';
  if ((status !== null && status >= 500) || line.upstreamTls) return 'upstream-failed';
  if (line.method === 'CONNECT' && status === 200) return 'tunnel';
  if (status === null) return 'closed';
  return 'forwarded';
}

/** One record per well-formed JSON line (a line cut short by a stop is skipped); `whoIs` names the client. */
export function parseMitmproxyFlowLog(text: string, whoIs: (address: string) => string): MitmproxyRecord[] {
  const out: MitmproxyRecord[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    let line: FlowLine;
    try {
      line = JSON.parse(raw) as FlowLine;
    } catch {
      continue;
    }
    if (typeof line.method !== 'string' || typeof line.host !== 'string') continue;
    const status = typeof line.status === 'number' ? line.status : null;
    const bumpMode = line.mode === 'splice' || line.mode === 'bump' ? line.mode : null;
    const errCode = line.error ? line.error.trim() : null;
    const upstreamTls = line.upstreamTls ?? null;
    out.push({
      source: 'mitmproxy',
      from: line.client ? whoIs(line.client) : 'unknown',
      target: line.host,
      port: line.port ?? 0,
      decision: decisionOf(line),
      status,
      detail: [`${line.method} ${status ?? '-'}`, bumpMode ? `mode ${bumpMode}` : null, errCode, upstreamTls ? `upstream TLS: ${upstreamTls}` : null].filter(Boolean).join(' '),
      method: line.method,
      errCode,
      bumpMode,
      sni: line.sni ?? null,
      upstreamTls,
      clientCert: line.clientCert === true,
    });
  }
  return out;
}
