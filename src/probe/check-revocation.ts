/**
 * Can this identity fetch certificate revocation data (CRLs, the disallowed-certificate
 * list) over plain HTTP on port 80? An explicit allowlist that opens *.atp.azure.com:443 but
 * not these hosts makes Windows' chain building wait for, then fail, revocation checks.
 *
 *   route (http:// URL: WinINET's http= entry) ─▶ dns ─▶ tcp ─▶ GET (absolute URI via a proxy)
 *
 * How a failure counts is the caller's policy (see the scenario's `revocation:`): a warning
 * by default, a TLS failure when the host enforces revocation checking.
 */
import { formatHop, type RouteResult } from '../route.js';
import type { NetTransport } from '../transport.js';
import { classifyConnectResponse, headEvidence, parseConnectResponse } from './connect-response.js';
import { dialHop } from './dial.js';
import { dialFailure } from './verdict.js';

type StepFailure = { fail: true; step: ProbeStep; code: ProbeCode; detail: string };
import type { ProbeCode, ProbeStep } from './outcome.js';

export interface RevocationCheck {
  url: string;
  host: string;
  reachable: boolean;
  step: ProbeStep;
  code: ProbeCode;
  route: string;
  detail: string;
}

export interface RevocationOptions {
  identity: string;
  transport: NetTransport;
  tcpTimeoutMs: number;
  /** Deadline for the whole fetch. */
  timeoutMs: number;
  proxyCredentials?: { username: string; password: string };
}

export async function checkRevocationUrl(url: string, routeResult: RouteResult, o: RevocationOptions): Promise<RevocationCheck> {
  const u = new URL(url);
  const host = u.hostname;
  const base = { url, host };
  if (routeResult.failed) return { ...base, reachable: false, step: 'route', code: routeResult.code, route: 'none', detail: routeResult.detail };
  const hop = routeResult.candidates[0] ?? { kind: 'DIRECT' as const };
  const route = formatHop(hop);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), o.timeoutMs);
  const failed = (f: StepFailure): RevocationCheck => ({ ...base, reachable: false, step: f.step, code: f.code, route, detail: f.detail });
  try {
    const dialled = await dialHop(o.transport, hop, { host, port: Number(u.port || 80) }, { timeoutMs: o.tcpTimeoutMs, signal: abort.signal });
    const f = dialFailure({ hop, dns: dialled.dns, ...(dialled.tcp ? { tcp: dialled.tcp } : {}) }, host);
    if (f || !dialled.socket) return failed({ fail: true, ...(f ?? { step: 'tcp', code: 'TCP_TIMEOUT', detail: `${host}: no connection` }) });
    const d = { socket: dialled.socket };
    const viaProxy = hop.kind === 'PROXY';
    const target = viaProxy ? u.href : u.pathname + u.search;
    const auth = viaProxy && o.proxyCredentials ? `Proxy-Authorization: Basic ${Buffer.from(`${o.proxyCredentials.username}:${o.proxyCredentials.password}`).toString('base64')}\r\n` : '';
    d.socket.write(`GET ${target} HTTP/1.1\r\nHost: ${u.host}\r\n${auth}User-Agent: Microsoft-CryptoAPI/10.0\r\nConnection: close\r\n\r\n`);
    const head = await new Promise<ReturnType<typeof parseConnectResponse> | 'closed' | 'timeout'>((resolve) => {
      let buf = Buffer.alloc(0);
      const finish = (r: ReturnType<typeof parseConnectResponse> | 'closed' | 'timeout') => {
        d.socket.removeAllListeners('data');
        resolve(r);
      };
      abort.signal.addEventListener('abort', () => finish('timeout'), { once: true });
      d.socket.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        try {
          const h = parseConnectResponse(buf);
          if (h) finish(h);
        } catch {
          finish('closed');
        }
      });
      d.socket.once('close', () => finish('closed'));
      d.socket.once('error', () => finish('closed'));
    });
    d.socket.destroy();
    if (head === 'timeout') return failed({ fail: true, step: 'http', code: 'HTTP_TIMEOUT', detail: `no answer from ${viaProxy ? route : host} within ${o.timeoutMs} ms` });
    if (head === 'closed' || head === undefined) {
      return failed({ fail: true, step: viaProxy ? 'proxy' : 'http', code: viaProxy ? 'PROXY_CLOSED' : 'HTTP_STATUS', detail: `${viaProxy ? route : host} closed the connection without answering` });
    }
    if (head.status === 200) return { ...base, reachable: true, step: 'http', code: 'OK', route, detail: `${url}: 200` };
    // Only these statuses are the proxy's own verdict; anything else is relayed from the origin.
    if (viaProxy && [401, 403, 407, 502, 503, 504].includes(head.status)) {
      const v = classifyConnectResponse(headEvidence(head), { identity: o.identity, proxy: `${hop.host}:${hop.port}`, target: `${host}:80`, hadCredentials: !!o.proxyCredentials });
      if (!v.ok) return failed({ fail: true, step: 'proxy', code: v.code!, detail: v.detail.replace('refused CONNECT', 'refused GET') });
    }
    return failed({ fail: true, step: 'http', code: 'HTTP_STATUS', detail: `${url}: ${head.status} ${head.reason}` });
  } finally {
    clearTimeout(timer);
  }
}
