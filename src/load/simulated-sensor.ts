/**
 * One simulated sensor of `atp-netlab load`: its own enrolled certificate, one long-lived
 * mutual-TLS connection through the scenario's path, and the sensor's traffic shape on it.
 *
 *   connect:  route (the identity's WinINET/PAC) ─▶ dns ─▶ tcp ─▶ CONNECT ─▶ TLS (own cert)
 *             ─▶ GET ping ─▶ GET authenticated        (what the probe does, on the same socket)
 *   session:  every heartbeatMs  GET authenticated     ┐ on one keep-alive connection;
 *             every uploadEveryMs POST upload (N bytes) ┘ a failure ends it
 *   between:  reconnect after a backoff: exponential from backoffMs, capped, full jitter
 *
 * A failed connect is named by the probe's own pure verdict over evidence of the same shape
 * the probe collects, so a load run's "errors by code" use the probe's codes and meanings.
 */
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import net from 'node:net';
import tls from 'node:tls';
import { Client } from 'undici';
import type { SensorSide } from '../engines/engine.js';
import { AUTH_CHECK_PATH, UPLOAD_PATH } from '../lab/mock-cloud.js';
import { PING_PATH } from '../catalog/index.js';
import { headEvidence, parseConnectResponse } from '../probe/connect-response.js';
import { dialHop } from '../probe/dial.js';
import type { ConnectEvidence, HopAttempt, HttpExchange, ProbeEvidence, TlsEvidence } from '../probe/evidence.js';
import type { ProbeCode } from '../probe/outcome.js';
import { tlsHandshake } from '../probe/tls-handshake.js';
import { verdict } from '../probe/verdict.js';
import type { RouteHop } from '../route.js';
import type { LoadMetrics } from './load-metrics.js';

export interface TrafficShape {
  heartbeatMs: number;
  uploadEveryMs: number;
  uploadBytes: number;
  /** Deadline of each step and each request. */
  stepTimeoutMs: number;
  backoffMs: number;
  backoffMaxMs: number;
}

export interface SensorIdentity {
  name: string;
  certPem: string;
  keyPem: string;
}

type Connected = { socket: tls.TLSSocket; evidence: ProbeEvidence };

export class SimulatedSensor {
  private attempt = 0;

  constructor(
    private readonly me: SensorIdentity,
    private readonly side: SensorSide,
    private readonly url: URL,
    private readonly shape: TrafficShape,
    private readonly metrics: LoadMetrics,
    private readonly stop: AbortSignal,
  ) {}

  /** Runs until `stop` aborts; never throws for a network result. */
  async run(): Promise<void> {
    this.metrics.started(this.me.name);
    while (!this.stop.aborted) {
      const t0 = performance.now();
      const c = await this.connect();
      if (this.stop.aborted) {
        c.socket?.destroy();
        break;
      }
      if (!c.socket) {
        this.metrics.error(this.me.name, c.code);
      } else {
        this.metrics.connected(this.me.name, performance.now() - t0);
        this.attempt = 0;
        const code = await this.session(c as Connected);
        if (code) this.metrics.error(this.me.name, code);
      }
      if (this.stop.aborted) break;
      await this.backoff();
      if (!this.stop.aborted) this.metrics.reconnect(this.me.name);
    }
  }

  private async backoff(): Promise<void> {
    // Full jitter (AWS architecture blog): a fleet that lost its proxy does not come back in step.
    const capMs = Math.min(this.shape.backoffMaxMs, this.shape.backoffMs * 2 ** Math.min(this.attempt++, 16));
    await sleep(Math.random() * capMs, this.stop);
  }

  /** dns ─▶ tcp ─▶ CONNECT ─▶ TLS ─▶ ping ─▶ authenticated, as evidence; the socket when all passed. */
  private async connect(): Promise<{ socket?: tls.TLSSocket; code: ProbeCode; evidence: ProbeEvidence }> {
    const host = this.url.hostname;
    const port = Number(this.url.port || 443);
    const route = await this.side.route(this.url.href);
    const ev: ProbeEvidence = { url: this.url.href, host, port, identity: 'LocalSystem', route, attempts: [], http: [], checks: 'full', authCheckPath: AUTH_CHECK_PATH, cloudMarkerHeader: this.side.cloudMarkerHeader, timings: {}, durationMs: 0 };
    const finish = (socket?: tls.TLSSocket) => {
      const o = verdict(ev);
      if (!o.reachable) socket?.destroy();
      return { ...(o.reachable && socket ? { socket } : {}), code: o.code, evidence: ev };
    };
    if (route.failed) return finish();
    const candidates: RouteHop[] = route.candidates.length ? route.candidates : [{ kind: 'DIRECT' }];
    let raw: net.Socket | undefined;
    for (const [i, hop] of candidates.entries()) {
      const attempt: HopAttempt = { hop };
      ev.attempts.push(attempt);
      const d = await dialHop(this.side.transport, hop, { host, port }, { timeoutMs: this.side.tcpTimeoutMs, signal: this.stop });
      attempt.dns = d.dns;
      if (d.tcp) attempt.tcp = d.tcp;
      if (!d.socket) {
        if (i < candidates.length - 1) continue;
        return finish();
      }
      if (hop.kind === 'PROXY' && !(await this.tunnel(d.socket, `${hop.host}:${hop.port}`, attempt, `${host}:${port}`))) {
        d.socket.destroy();
        return finish();
      }
      raw = d.socket;
      break;
    }
    if (!raw) return finish();
    const s = await this.handshake(raw, host, ev);
    if (!s) return finish();
    for (const [purpose, path] of [['ping', PING_PATH], ['auth', AUTH_CHECK_PATH]] as const) {
      const x = await this.exchange(s, purpose, path, 'GET');
      ev.http.push(x);
      if (!x.response || x.response.status !== 200) {
        // The legacy workspace's ping 503 is the cloud's answer; the verdict knows it.
        if (purpose === 'ping' && x.response?.status === 503) continue;
        return finish(s);
      }
    }
    return finish(s);
  }

  private tunnel(socket: net.Socket, proxy: string, attempt: HopAttempt, target: string): Promise<boolean> {
    return new Promise((resolve) => {
      const c: ConnectEvidence = { proxy, target, hadCredentials: !!this.side.proxyCredentials };
      attempt.connect = c;
      let buf = Buffer.alloc(0);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        socket.off('data', onData).off('close', onClose).off('error', onError);
        resolve(ok);
      };
      const timer = setTimeout(() => {
        c.ending = { kind: 'stalled', bytesReceived: buf.length, message: `${this.shape.stepTimeoutMs} ms` };
        done(false);
      }, this.shape.stepTimeoutMs);
      const onData = (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        try {
          const head = parseConnectResponse(buf);
          if (!head) return;
          c.response = headEvidence(head);
          if (head.status >= 200 && head.status < 300) {
            socket.pause();
            if (head.rest.length) socket.unshift(head.rest);
            done(true);
          } else done(false);
        } catch (e) {
          c.ending = { kind: 'garbage', bytesReceived: buf.length, message: (e as Error).message };
          done(false);
        }
      };
      const onClose = () => {
        c.ending ??= { kind: 'closed', bytesReceived: buf.length };
        done(false);
      };
      const onError = (e: NodeJS.ErrnoException) => {
        c.ending = { kind: e.code === 'ECONNRESET' ? 'reset' : 'closed', bytesReceived: buf.length, message: e.message };
        done(false);
      };
      socket.on('data', onData).once('close', onClose).once('error', onError);
      const creds = this.side.proxyCredentials;
      const auth = creds ? `Proxy-Authorization: Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}\r\n` : '';
      socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}User-Agent: atp-netlab-load (${this.me.name})\r\nProxy-Connection: Keep-Alive\r\n\r\n`);
    });
  }

  private async handshake(raw: net.Socket, host: string, ev: ProbeEvidence): Promise<tls.TLSSocket | undefined> {
    const t: TlsEvidence = { ok: false, alertsReceived: [], hadClientCert: true };
    ev.tls = t;
    let socket: tls.TLSSocket | undefined;
    const s = await tlsHandshake(
      raw,
      { host, trustedCaPems: this.side.trustedCaPems, clientCert: { certPem: this.me.certPem, keyPem: this.me.keyPem }, expected: { rootNames: this.side.expectedRootNames }, timeoutMs: this.shape.stepTimeoutMs, onSocket: (x) => (socket = x) },
      t,
    );
    if (!s) socket?.destroy();
    return s;
  }

  /** The connection's own HTTP client: handed this one socket once, never a second. */
  private clients = new WeakMap<tls.TLSSocket, Client>();
  private clientFor(s: tls.TLSSocket): Client {
    let c = this.clients.get(s);
    if (c) return c;
    let handed = false;
    s.on('error', () => undefined);
    c = new Client(`https://${this.url.host}`, {
      connect: (_opts, cb) => {
        if (!handed) {
          handed = true;
          queueMicrotask(() => cb(null, s));
        } else setImmediate(() => cb(new Error('the connection closed'), null));
      },
      pipelining: 1,
      headersTimeout: this.shape.stepTimeoutMs,
      bodyTimeout: this.shape.stepTimeoutMs,
      keepAliveTimeoutThreshold: 100,
    });
    this.clients.set(s, c);
    return c;
  }

  private async exchange(s: tls.TLSSocket, purpose: 'ping' | 'auth', path: string, method: 'GET' | 'POST', body?: Buffer): Promise<HttpExchange> {
    const x: HttpExchange = { purpose, path, timeoutMs: this.shape.stepTimeoutMs };
    const deadline = AbortSignal.timeout(this.shape.stepTimeoutMs);
    const t0 = performance.now();
    try {
      const res = await this.clientFor(s).request({
        path,
        method,
        headers: { 'user-agent': `atp-netlab-load (${this.me.name})`, ...(body ? { 'content-type': 'application/octet-stream' } : {}) },
        ...(body ? { body } : {}),
        signal: AbortSignal.any([deadline, this.stop]),
      });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      const text = await res.body.text();
      x.response = { status: res.statusCode, reason: http.STATUS_CODES[res.statusCode] ?? '', headers, body: text.slice(0, 512) };
      this.metrics.request(this.me.name, performance.now() - t0, res.statusCode === 200);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code) x.errorCode = code;
      x.ending = deadline.aborted ? { kind: 'stalled', bytesReceived: 0 } : { kind: 'closed', bytesReceived: 0, message: (e as Error).message };
    }
    return x;
  }

  /** Heartbeats and uploads until the connection fails or the run stops; the failure's code. */
  private async session(c: Connected): Promise<ProbeCode | undefined> {
    const { socket, evidence } = c;
    let nextUploadMs = performance.now() + this.shape.uploadEveryMs;
    try {
      while (!this.stop.aborted) {
        await sleep(this.shape.heartbeatMs, this.stop);
        if (this.stop.aborted) return undefined;
        const upload = this.shape.uploadBytes > 0 && performance.now() >= nextUploadMs;
        if (upload) nextUploadMs += this.shape.uploadEveryMs;
        const x = upload
          ? await this.exchange(socket, 'auth', UPLOAD_PATH, 'POST', Buffer.alloc(this.shape.uploadBytes, 0x5a))
          : await this.exchange(socket, 'auth', AUTH_CHECK_PATH, 'GET');
        if (this.stop.aborted) return undefined;
        if (x.response?.status === 200) continue;
        // This connection's ping passed at connect time; the failed call is judged after it.
        const ev: ProbeEvidence = { ...evidence, http: [evidence.http[0]!, x] };
        return verdict(ev).code;
      }
      return undefined;
    } finally {
      await this.clients.get(socket)?.destroy().catch(() => undefined);
      socket.destroy();
    }
  }
}

/** Resolves after `ms`, or at once when the run stops (node's own abortable timer). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}
