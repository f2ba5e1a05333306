/**
 * The driver of one check: it walks the path hop by hop and writes down what it saw, and
 * decides nothing (the verdict does, from the evidence: verdict.ts).
 *
 *   route ─▶ dns ─▶ tcp ─▶ proxy (CONNECT) ─▶ tls (verify chain, present client cert) ─▶ http
 *   (PAC)    (target or proxy name)            ping, then the authenticated call (lab)
 *
 * A watchdog bounds the whole walk: whatever a proxy or middlebox does, the evidence is
 * returned by `totalMs` (marked with the step that was running) and every socket the walk
 * opened is destroyed (undici 7 can loop forever on a proxy that closes during CONNECT,
 * FACTS §6; here the CONNECT is ours, not undici's).
 *
 * Network results never throw. Anything that does throw is a bug in the tool, and the caller
 * (check-url.ts) reports it as ATPNL_INTERNAL, never as a network outcome.
 */
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { Client } from 'undici';
import { PING_ANSWERS } from '../catalog/ping-answers.js';
import type { RouteHop, RouteResult } from '../route.js';
import { headEvidence, parseConnectResponse } from './connect-response.js';
import { emitProbeEvent } from './diagnostics.js';
import { dialHop } from './dial.js';
import { BODY_EVIDENCE_BYTES, type ConnectEvidence, type HopAttempt, type HttpExchange, type ProbeEvidence, type TlsEvidence } from './evidence.js';
import type { ProbeStep, ProbeTimings } from './outcome.js';
import { tlsHandshake } from './tls-handshake.js';
import { receivedAlertName } from './tls-errors.js';
import type { ProbeOptions } from './check-url.js';

/** How long a refused CONNECT may keep sending its body (a block page) before we read it. */
const REFUSAL_BODY_WAIT_MS = 50;

export async function collectEvidence(url: string, route: RouteResult, o: ProbeOptions): Promise<ProbeEvidence> {
  const started = performance.now();
  const target = new URL(url);
  const host = target.hostname;
  const port = Number(target.port || 443);
  const opened = new Set<{ destroy(): unknown }>();
  const abort = new AbortController();
  let step: ProbeStep = 'route';
  const timings: ProbeTimings = {};
  const add = (k: keyof ProbeTimings, ms: number) => (timings[k] = Math.round((timings[k] ?? 0) + ms));
  const ev: ProbeEvidence = {
    url,
    host,
    port,
    identity: o.identity,
    route,
    attempts: [],
    http: [],
    checks: o.checks,
    ...(o.sensor && o.sensor !== 'v2-wininet' ? { sensor: o.sensor } : {}),
    ...(o.hostChecks?.length ? { hostChecks: o.hostChecks } : {}),
    ...(o.checkClockSkew ? { checkClockSkew: true } : {}),
    ...(o.authCheckPath ? { authCheckPath: o.authCheckPath } : {}),
    ...(o.cloudMarkerHeader ? { cloudMarkerHeader: o.cloudMarkerHeader.toLowerCase() } : {}),
    timings,
    durationMs: 0,
  };

  const walk = async (): Promise<void> => {
    if (route.failed) return;
    const candidates: RouteHop[] = route.candidates.length ? route.candidates : [{ kind: 'DIRECT' }];
    let socket: net.Socket | undefined;
    for (const [i, hop] of candidates.entries()) {
      const attempt: HopAttempt = { hop };
      ev.attempts.push(attempt);
      const d = await dialHop(o.transport, hop, { host, port }, { timeoutMs: o.timeouts.tcpMs, signal: abort.signal, onStep: (st) => (step = st) });
      add('dns', d.dnsMs);
      if (d.tcpMs !== undefined) add('tcp', d.tcpMs);
      attempt.dns = d.dns;
      if (d.tcp) attempt.tcp = d.tcp;
      if (!d.socket) {
        // WinINET moves to the next PAC entry only when it cannot reach the hop at all.
        if (i < candidates.length - 1) continue;
        return;
      }
      opened.add(d.socket);
      if (hop.kind === 'PROXY') {
        step = 'proxy';
        const t0 = performance.now();
        const c = await connectThroughProxy(d.socket, `${hop.host}:${hop.port}`, attempt);
        add('proxy', performance.now() - t0);
        if (!c) return;
      }
      socket = d.socket;
      break;
    }
    if (!socket) return;
    step = 'tls';
    const t0 = performance.now();
    const s = await handshake(socket);
    add('tls', performance.now() - t0);
    if (!s) return;
    step = 'http';
    await httpExchanges(s, socket);
  };

  /** Sends CONNECT; resolves true once tunnelled. Writes the answer (or how it ended) into the attempt. */
  const connectThroughProxy = (socket: net.Socket, proxyName: string, attempt: HopAttempt): Promise<boolean> =>
    new Promise((resolve) => {
      const c: ConnectEvidence = { proxy: proxyName, target: `${host}:${port}`, hadCredentials: !!o.proxyCredentials };
      attempt.connect = c;
      let buf = Buffer.alloc(0);
      let refused: ReturnType<typeof parseConnectResponse>;
      let refusalTimer: NodeJS.Timeout | undefined;
      const done = (tunnelled: boolean) => {
        clearTimeout(timer);
        clearTimeout(refusalTimer);
        socket.off('data', onData);
        socket.off('close', onClose);
        socket.off('error', onError);
        resolve(tunnelled);
      };
      // A refusal's body is read from the bytes that came after the head.
      const settleRefusal = () => {
        c.response = headEvidence({ ...refused!, rest: buf.subarray(buf.indexOf('\r\n\r\n') + 4) });
        done(false);
      };
      const timer = setTimeout(() => {
        c.ending = { kind: 'stalled', bytesReceived: buf.length, message: `${o.timeouts.proxyMs} ms` };
        done(false);
      }, o.timeouts.proxyMs);
      const onData = (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        if (refused) return;
        let head;
        try {
          head = parseConnectResponse(buf);
        } catch (e) {
          c.ending = { kind: 'garbage', bytesReceived: buf.length, message: (e as Error).message };
          done(false);
          return;
        }
        if (!head) return;
        emitProbeEvent('connect-response', { identity: o.identity, proxy: proxyName, target: `${host}:${port}`, status: head.status });
        if (head.status < 200 || head.status >= 300) {
          // A refusal may carry a body (a block page): wait briefly for it, or for the close.
          refused = head;
          refusalTimer ??= setTimeout(settleRefusal, REFUSAL_BODY_WAIT_MS);
          return;
        }
        c.response = headEvidence(head, 0);
        socket.pause();
        if (head.rest.length) socket.unshift(head.rest);
        done(true);
      };
      const onClose = () => {
        if (refused) return settleRefusal();
        c.ending ??= { kind: 'closed', bytesReceived: buf.length };
        done(false);
      };
      const onError = (e: NodeJS.ErrnoException) => {
        if (refused) return settleRefusal();
        c.ending = { kind: e.code === 'ECONNRESET' ? 'reset' : 'closed', bytesReceived: buf.length, message: e.message };
        done(false);
      };
      socket.on('data', onData);
      socket.once('close', onClose);
      socket.once('error', onError);
      const auth = o.proxyCredentials ? `Proxy-Authorization: Basic ${Buffer.from(`${o.proxyCredentials.username}:${o.proxyCredentials.password}`).toString('base64')}\r\n` : '';
      socket.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n${auth}User-Agent: ${o.userAgent ?? 'atp-netlab-probe'}\r\nProxy-Connection: Keep-Alive\r\n\r\n`);
    });

  const handshake = (raw: net.Socket): Promise<tls.TLSSocket | undefined> => {
    const t: TlsEvidence = { ok: false, alertsReceived: [], hadClientCert: !!o.clientCert };
    ev.tls = t;
    return tlsHandshake(raw, { host, trustedCaPems: o.trustedCaPems, ...(o.clientCert ? { clientCert: o.clientCert } : {}), expected: o.expected, timeoutMs: o.timeouts.tlsMs, onSocket: (s) => opened.add(s) }, t);
  };

  const httpExchanges = async (s: tls.TLSSocket, raw: net.Socket): Promise<void> => {
    let socketError: NodeJS.ErrnoException | undefined;
    s.on('error', (e: NodeJS.ErrnoException) => {
      const alert = receivedAlertName(e.code);
      if (alert) ev.tls!.alertsReceived.push({ name: alert, when: 'after-handshake', errorCode: e.code! });
      // The first error is the peer's: undici then destroys the socket with its own
      // UND_ERR_SOCKET, which must not overwrite the alert (it did: issue 9 §3, "a received
      // alert is reported as missing").
      if (!socketError || (alert && !receivedAlertName(socketError.code))) socketError = e;
    });
    let handedOut = false;
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
    /** One GET, written down whether or not it was answered. */
    const exchange = async (purpose: 'ping' | 'auth', path: string): Promise<HttpExchange> => {
      const x: HttpExchange = { purpose, path, timeoutMs: o.timeouts.httpMs };
      ev.http.push(x);
      const t0 = performance.now();
      // What came back for this request: decrypted bytes (bytesRead of the TLS socket) and raw
      // TLS bytes (of the TCP socket under it), for a stall or close in the middle of an answer.
      const plain0 = s.bytesRead;
      const raw0 = raw.bytesRead;
      // Our own deadline: undici's timers tick coarsely (hundreds of ms), ours is exact.
      const deadline = AbortSignal.timeout(o.timeouts.httpMs);
      try {
        const res = await client.request({ path, method: 'GET', headers: { 'user-agent': o.userAgent ?? 'atp-netlab-probe' }, signal: AbortSignal.any([abort.signal, deadline]) });
        // When the head arrived, by the wall clock, and how long the round trip took: the
        // bounds of when the server stamped its Date (host/clock-skew.ts).
        x.receivedAtMs = Date.now();
        x.roundTripMs = Math.round(performance.now() - t0);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
        const body = (await res.body.text()).slice(0, BODY_EVIDENCE_BYTES);
        // undici does not expose the reason phrase; the standard one stands in for it.
        x.response = { status: res.statusCode, reason: http.STATUS_CODES[res.statusCode] ?? '', headers, body };
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code) x.errorCode = code;
        // A TLS 1.3 alert (client certificate refused) can reach the socket after undici has
        // already failed the request on the close; let it land before writing it down.
        if (!socketError && !s.destroyed) await new Promise((r) => { s.once('close', r); setTimeout(r, 50); });
        else await new Promise((r) => setImmediate(r));
        if (socketError) x.socketError = { ...(socketError.code ? { code: socketError.code } : {}), message: socketError.message };
        const timedOut = (deadline.aborted && !abort.signal.aborted) || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
        // undici does not say how many bytes it saw before the failure; the sockets do.
        const received = { bytesReceived: s.bytesRead - plain0, tlsBytesReceived: raw.bytesRead - raw0, afterMs: Math.round(performance.now() - t0) };
        x.ending = timedOut
          ? { kind: 'stalled', ...received }
          : { kind: socketError?.code === 'ECONNRESET' ? 'reset' : 'closed', ...received, message: (e as Error).message };
      }
      add('http', performance.now() - t0);
      return x;
    };
    try {
      const ping = await exchange('ping', o.pingPath);
      // Go on to the authenticated call when the status is one this generation's cloud answers
      // (the verdict judges the body and who answered); anything else already decides.
      const status = ping.response?.status;
      const pingOk = status !== undefined && PING_ANSWERS.some((a) => a.generations.includes(o.sensor ?? 'v2-wininet') && a.path === o.pingPath && a.status === status);
      if (!pingOk || o.checks === 'ping' || !o.authCheckPath) return;
      await exchange('auth', o.authCheckPath);
    } finally {
      await client.destroy().catch(() => undefined);
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<ProbeEvidence>((resolve) => {
    timer = setTimeout(() => {
      // A snapshot: the walk goes on until its sockets are destroyed, and must not change
      // the evidence the verdict is given.
      const snap = structuredClone({ ...ev, watchdog: { step, totalMs: o.timeouts.totalMs }, durationMs: Math.round(performance.now() - started) });
      resolve(snap);
    }, o.timeouts.totalMs);
  });
  const walked = walk().then(() => {
    ev.durationMs = Math.round(performance.now() - started);
    return ev;
  });
  // After the watchdog fired, the walk's end (its sockets destroyed under it) is of no interest.
  walked.catch(() => undefined);
  try {
    return await Promise.race([walked, watchdog]);
  } finally {
    clearTimeout(timer);
    abort.abort();
    for (const r of opened) r.destroy();
  }
}
