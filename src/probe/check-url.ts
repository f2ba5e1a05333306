/**
 * One sensor-side check of one URL as one identity, walked hop by hop:
 *
 *   route ─▶ dns ─▶ tcp ─▶ proxy (CONNECT) ─▶ tls (verify chain, present client cert) ─▶ http
 *   (PAC)    (target or proxy name)            ping, then the authenticated call (lab)
 *
 * Every failure becomes an outcome with the step and code of DESIGN.md; nothing throws. A
 * watchdog bounds the whole walk: whatever a proxy or middlebox does, the check ends by
 * `totalMs` and every socket it opened is destroyed (undici 7 can loop forever on a proxy
 * that closes during CONNECT, FACTS §6; here the CONNECT is ours, not undici's).
 */
import net from 'node:net';
import tls from 'node:tls';
import { Client } from 'undici';
import type { NetTransport } from '../transport.js';
import { formatHop, type RouteHop, type RouteResult } from '../route.js';
import { analyzeChain, type ChainFacts, type ExpectedChain } from './chain-analysis.js';
import { classifyConnectResponse, parseConnectResponse } from './connect-response.js';
import type { ProbeCode, ProbeOutcome, ProbeStep } from './outcome.js';
import { stepOf } from './outcome.js';
import { classifyTlsError } from './tls-errors.js';
import { emitProbeEvent } from './diagnostics.js';
import { dialHop, type StepFailure } from './dial.js';
import { secureContextFor } from './secure-context-cache.js';

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
  /** Authenticated call that succeeds only if the cloud received the sensor's certificate (lab). */
  authCheckPath?: string;
  /** `ping`: what a browser test shows; `full`: ping plus the authenticated call. */
  checks: 'ping' | 'full';
  timeouts: ProbeTimeouts;
  userAgent?: string;
}

type Fail = StepFailure;
const fail = (code: ProbeCode, detail: string, step: ProbeStep = stepOf(code)): Fail => ({ fail: true, step, code, detail });

export async function checkUrl(url: string, routeResult: RouteResult, o: ProbeOptions): Promise<ProbeOutcome> {
  const started = performance.now();
  const target = new URL(url);
  const host = target.hostname;
  const port = Number(target.port || 443);
  const opened = new Set<{ destroy(): unknown }>();
  const abort = new AbortController();
  let step: ProbeStep = 'route';
  let routeText = 'DIRECT';
  let routeSource = routeResult.source;
  let chain: ChainFacts | undefined;
  const notes: string[] = routeResult.failed ? [] : [...routeResult.notes];
  const warnings: string[] = [];

  const finish = (r: Fail | { fail: false; detail: string; httpStatus?: number }): ProbeOutcome => {
    const outcome: ProbeOutcome = {
      reachable: !r.fail,
      step: r.fail ? r.step : 'http',
      code: r.fail ? r.code : 'OK',
      inspected: chain?.inspected ?? false,
      route: routeText,
      detail: [r.detail, chainDetail(chain), ...notes].filter(Boolean).join('; '),
      durationMs: Math.round(performance.now() - started),
      routeSource,
      ...(chain ? { issuer: chain.issuer } : {}),
      ...('httpStatus' in r && r.httpStatus !== undefined ? { httpStatus: r.httpStatus } : {}),
      ...(warnings.length ? { warnings } : {}),
    };
    return outcome;
  };

  const walk = async (): Promise<ProbeOutcome> => {
    if (routeResult.failed) return finish(fail(routeResult.code, routeResult.detail, 'route'));
    routeSource = routeResult.source;
    const candidates = routeResult.candidates.length ? routeResult.candidates : [{ kind: 'DIRECT' } as RouteHop];
    let socket: net.Socket | undefined;
    let lastFail: Fail | undefined;
    for (const [i, hop] of candidates.entries()) {
      routeText = formatHop(hop);
      const attempt = await openPath(hop);
      if ('fail' in attempt) {
        lastFail = attempt;
        // WinINET moves to the next PAC entry only when it cannot reach the hop at all.
        const more = i < candidates.length - 1;
        if (more && (attempt.step === 'dns' || attempt.step === 'tcp')) {
          notes.push(`${formatHop(hop)} failed (${attempt.code}), tried the next PAC entry`);
          continue;
        }
        return finish(attempt);
      }
      socket = attempt.socket;
      break;
    }
    if (!socket) return finish(lastFail ?? fail('TCP_REFUSED', 'no route candidate'));

    step = 'tls';
    const hs = await handshake(socket);
    if ('fail' in hs) return finish(hs);
    step = 'http';
    return finish(await httpChecks(hs.socket));
  };

  const openPath = async (hop: RouteHop): Promise<Fail | { socket: net.Socket }> => {
    const d = await dialHop(o.transport, hop, { host, port }, { timeoutMs: o.timeouts.tcpMs, signal: abort.signal, onStep: (st) => (step = st) });
    if ('fail' in d) return d;
    opened.add(d.socket);
    if (d.pathNote) {
      routeText = 'TRANSPARENT';
      notes.push(`the network diverted ${host}:${port} to ${d.pathNote}`);
    }
    if (hop.kind === 'DIRECT') return { socket: d.socket };
    step = 'proxy';
    return connectThroughProxy(d.socket, `${hop.host}:${hop.port}`);
  };

  const connectThroughProxy = (socket: net.Socket, proxyName: string): Promise<Fail | { socket: net.Socket }> =>
    new Promise((resolve) => {
      let buf = Buffer.alloc(0);
      let refusal: ReturnType<typeof classifyConnectResponse> | undefined;
      let refusalHead: ReturnType<typeof parseConnectResponse>;
      let refusalTimer: NodeJS.Timeout | undefined;
      const ctx = () => ({ identity: o.identity, proxy: proxyName, target: `${host}:${port}`, hadCredentials: !!o.proxyCredentials });
      const settleRefusal = () => {
        const head = refusalHead!;
        const withBody = classifyConnectResponse({ ...head, rest: buf.subarray(buf.indexOf('\r\n\r\n') + 4) }, ctx());
        done(fail(refusal!.code!, withBody.detail));
      };
      const done = (r: Fail | { socket: net.Socket }) => {
        clearTimeout(timer);
        clearTimeout(refusalTimer);
        socket.off('data', onData);
        socket.off('close', onClose);
        socket.off('error', onError);
        resolve(r);
      };
      const timer = setTimeout(() => done(fail('PROXY_TIMEOUT', `${proxyName} did not answer CONNECT within ${o.timeouts.proxyMs} ms`)), o.timeouts.proxyMs);
      const onData = (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        if (refusal) return;
        let head;
        try {
          head = parseConnectResponse(buf);
        } catch (e) {
          done(fail('PROXY_CLOSED', `${proxyName}: ${(e as Error).message}`));
          return;
        }
        if (!head) return;
        emitProbeEvent('connect-response', { identity: o.identity, proxy: proxyName, target: `${host}:${port}`, status: head.status });
        const verdict = classifyConnectResponse(head, ctx());
        if (!verdict.ok) {
          // A refusal may carry a body (a block page): wait briefly for it, or for the close.
          refusal = verdict;
          refusalHead = head;
          if (!refusalTimer) refusalTimer = setTimeout(settleRefusal, 50);
          return;
        }
        socket.pause();
        if (head.rest.length) socket.unshift(head.rest);
        done({ socket });
      };
      const onClose = () => (refusal ? settleRefusal() : done(fail('PROXY_CLOSED', `${proxyName} closed the connection without a status line (CONNECT ${host}:${port})`)));
      const onError = (e: Error) => (refusal ? settleRefusal() : done(fail('PROXY_CLOSED', `${proxyName} reset the connection during CONNECT: ${e.message}`)));
      socket.on('data', onData);
      socket.once('close', onClose);
      socket.once('error', onError);
      const auth = o.proxyCredentials ? `Proxy-Authorization: Basic ${Buffer.from(`${o.proxyCredentials.username}:${o.proxyCredentials.password}`).toString('base64')}\r\n` : '';
      socket.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n${auth}User-Agent: ${o.userAgent ?? 'atp-netlab-probe'}\r\nProxy-Connection: Keep-Alive\r\n\r\n`);
    });

  const handshake = (raw: net.Socket): Promise<Fail | { socket: tls.TLSSocket }> =>
    new Promise((resolve) => {
      const s = tls.connect({
        socket: raw,
        servername: net.isIP(host) ? undefined : host,
        secureContext: secureContextFor(o.trustedCaPems, o.clientCert),
        minVersion: 'TLSv1.2',
        ALPNProtocols: ['http/1.1'],
      });
      opened.add(s);
      // The chain must be read before node's own verification runs (it destroys the socket on
      // failure), so that an untrusted re-signed chain can still be named in the outcome.
      s.prependListener('secure', () => {
        chain = analyzeChain(s.getPeerCertificate(true), o.expected);
      });
      const timer = setTimeout(() => {
        s.destroy();
        resolve(fail('TLS_HANDSHAKE_FAILED', `no TLS handshake within ${o.timeouts.tlsMs} ms`));
      }, o.timeouts.tlsMs);
      s.once('secureConnect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve({ socket: s });
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const c = classifyTlsError({ code: e.code, message: e.message, afterHandshake: false, presentedClientCert: !!o.clientCert });
        resolve(fail(c.code, c.detail, 'tls'));
      });
    });

  const httpChecks = async (s: tls.TLSSocket): Promise<Fail | { fail: false; detail: string; httpStatus?: number }> => {
    let socketError: NodeJS.ErrnoException | undefined;
    s.on('error', (e: NodeJS.ErrnoException) => {
      socketError = e;
    });
    let handedOut = false;
    let answered = false;
    const client = new Client(`https://${host}:${port}`, {
      // undici must get the socket asynchronously: a synchronous callback runs before the
      // client has finished its own connect bookkeeping and the request then never starts.
      // It gets this one socket once: were undici to reconnect (the server closed), a second
      // hand-out of the same dead socket would spin forever.
      connect: (_opts, cb) => {
        if (!handedOut) {
          handedOut = true;
          queueMicrotask(() => cb(null, s));
          return;
        }
        const err = socketError ?? new Error('the server closed the connection between requests');
        setImmediate(() => {
          cb(err, null);
          void client.destroy(err).catch(() => undefined);
        });
      },
      keepAliveTimeoutThreshold: 100,
      headersTimeout: o.timeouts.httpMs,
      bodyTimeout: o.timeouts.httpMs,
      pipelining: 1,
    });
    opened.add({ destroy: () => void client.destroy().catch(() => undefined) });
    const get = async (p: string) => {
      // Our own deadline: undici's timers tick coarsely (hundreds of ms), ours is exact.
      const deadline = AbortSignal.timeout(o.timeouts.httpMs);
      try {
        const res = await client.request({ path: p, method: 'GET', headers: { 'user-agent': o.userAgent ?? 'atp-netlab-probe' }, signal: AbortSignal.any([abort.signal, deadline]) });
        answered = true;
        const body = (await res.body.text()).slice(0, 512);
        return { status: res.statusCode, body };
      } catch (e) {
        if (deadline.aborted && !abort.signal.aborted) throw Object.assign(new Error(`no answer within ${o.timeouts.httpMs} ms`), { code: 'UND_ERR_HEADERS_TIMEOUT' });
        throw e;
      }
    };
    const failFromError = async (e: unknown, what: string): Promise<Fail> => {
      // A TLS 1.3 alert (client certificate refused) can reach the socket after undici has
      // already failed the request on the close; let it land before classifying.
      if (!socketError && !s.destroyed) await new Promise((r) => { s.once('close', r); setTimeout(r, 50); });
      else await new Promise((r) => setImmediate(r));
      if (socketError) {
        const c = classifyTlsError({ code: socketError.code, message: socketError.message, afterHandshake: true, presentedClientCert: !!o.clientCert });
        if (c.code === 'TLS_CLIENT_CERT_REJECTED' || c.code === 'TLS_PROTOCOL_VERSION') return fail(c.code, `${c.detail} (after the handshake, as TLS 1.3 reports it)`, 'tls');
      }
      const code = (e as { code?: string }).code;
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return fail('HTTP_TIMEOUT', `no answer to ${what} within ${o.timeouts.httpMs} ms`);
      const hungUp = code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED' || socketError?.code === 'ECONNRESET';
      // A peer that completes the handshake and hangs up without answering is either an
      // inspecting middlebox whose own handshake with the cloud failed (it holds no sensor
      // certificate: "Two way SSL connection to service failed" in the field), or a server
      // that verified the client certificate in software and refused it, which sends no alert
      // (under TLS 1.3 the client's handshake is already over when the server decides).
      if (hungUp && chain?.inspected) {
        return fail('INSPECTION_BREAKS_MUTUAL_AUTH', `${what}: the connection was closed without an answer after ${chain.issuer} re-signed the chain; the middlebox most likely could not complete mutual TLS with the cloud (it does not hold the sensor's certificate)`);
      }
      if (hungUp && !answered) {
        return fail('TLS_CLIENT_CERT_REJECTED', `the server closed the connection right after the handshake without answering ${what}: it did not accept ${o.clientCert ? "the sensor's client certificate" : 'a connection without a client certificate'} (inferred: no TLS alert was sent)`, 'tls');
      }
      return fail('HTTP_STATUS', `${what} failed: ${(e as Error).message}${code ? ` (${code})` : ''}`);
    };
    try {
      let ping;
      try {
        ping = await get(o.pingPath);
      } catch (e) {
        return await failFromError(e, `GET ${o.pingPath}`);
      }
      const legacy = ping.status === 503;
      if (!(ping.status === 200 || legacy)) {
        if (chain?.inspected) return fail('INSPECTION_BREAKS_MUTUAL_AUTH', `ping answered ${ping.status} from a re-signed chain${ping.body ? ` ("${oneLine(ping.body)}")` : ''}`);
        return Object.assign(fail('HTTP_STATUS', `ping answered ${ping.status}${ping.body ? ` ("${oneLine(ping.body)}")` : ''}`), { httpStatus: ping.status });
      }
      const pingText = legacy ? 'ping answered 503 Service Unavailable (legacy workspace: still reachable)' : `ping answered ${ping.status} ${JSON.stringify(oneLine(ping.body))}`;
      if (o.checks === 'ping' || !o.authCheckPath) {
        // The browser-test trap: a ping through an inspecting middlebox answers 200 even when
        // the middlebox breaks the sensor's mutual authentication.
        if (chain?.inspected) warnings.push('inspected: the chain was re-signed by a middlebox; a ping-only test (like a browser) cannot show whether the cloud receives the sensor\'s certificate');
        return { fail: false, detail: pingText, httpStatus: ping.status };
      }
      let auth;
      try {
        auth = await get(o.authCheckPath);
      } catch (e) {
        return await failFromError(e, `GET ${o.authCheckPath}`);
      }
      if (auth.status === 200) {
        if (chain?.inspected) warnings.push('inspected: the chain was re-signed by a middlebox; it works here, but Microsoft does not support SSL inspection of sensor traffic');
        return { fail: false, detail: `${pingText}; the cloud accepted the sensor's certificate`, httpStatus: ping.status };
      }
      if (chain?.inspected) {
        return fail('INSPECTION_BREAKS_MUTUAL_AUTH', `${pingText}, but the authenticated call answered ${auth.status} ("${oneLine(auth.body)}"): the chain was re-signed by ${chain.issuer} and the cloud did not receive the sensor's certificate`);
      }
      return fail('HTTP_STATUS', `${pingText}, but the authenticated call answered ${auth.status} ("${oneLine(auth.body)}")`);
    } finally {
      await client.destroy().catch(() => undefined);
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<ProbeOutcome>((resolve) => {
    timer = setTimeout(() => {
      const code: ProbeCode = ({ route: 'ROUTE_PAC_UNAVAILABLE', dns: 'DNS_NOT_FOUND', tcp: 'TCP_TIMEOUT', proxy: 'PROXY_TIMEOUT', tls: 'TLS_HANDSHAKE_FAILED', http: 'HTTP_TIMEOUT' } as const)[step];
      resolve(finish(fail(code, `watchdog: the ${step} step did not finish within the check's ${o.timeouts.totalMs} ms deadline`, step)));
    }, o.timeouts.totalMs);
  });
  const safeWalk = walk().catch((e: unknown) => finish(fail('TLS_HANDSHAKE_FAILED', `internal probe error at ${step}: ${(e as Error).message}`, step)));
  try {
    const outcome = await Promise.race([safeWalk, watchdog]);
    emitProbeEvent('outcome', { identity: o.identity, url, outcome });
    return outcome;
  } finally {
    clearTimeout(timer);
    abort.abort();
    for (const r of opened) r.destroy();
  }
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 120);
}

function chainDetail(chain: ChainFacts | undefined): string {
  if (!chain) return '';
  return chain.inspected ? `INSPECTED: chain issued by ${chain.issuer}, anchored at ${chain.top} (not the cloud's root)` : `chain issued by ${chain.issuer}`;
}
