/**
 * A forward (explicit) proxy, hand-built on node:net like Squid's CONNECT path: HTTP CONNECT
 * (and plain HTTP forwarding, for revocation lists) with an allowlist of hosts and ports,
 * authentication modes including the field misbehaviours, and chaining to an upstream proxy
 * or middlebox.
 *
 *   windows-host ──CONNECT host:443──▶ forward proxy <lab address>:8080
 *        ├─ fault hang  never answers (an overloaded proxy)
 *        ├─ auth?       none | basic → 407 | "401" → 401 | "403-with-challenge" → 403 + Proxy-Authenticate
 *        ├─ allowlist   host pattern + port, else 403 (or a TCP reset, `denyAs: reset`)
 *        ├─ upstream?   ──one connection──▶ CONNECT to the upstream proxy / middlebox; its answer is relayed
 *        └─ direct      lab DNS, then ONE connection to host:port (the tunnel itself):
 *                         no name → 502 (or a close, `onTargetFailure: close`)
 *                         refused / unreachable → 502 / 504 (or a close)
 *                         connected → 200, then a byte pipe both ways
 *
 * `behaves: squid` keeps every decision and changes only the answer: each refusal is the page
 * Squid 5.7 sends in that situation (squid-answers.ts), so lab and real Squid agree.
 *
 * Why not proxy-chain (the first version used it): it opens the target itself with node's
 * own sockets, so it cannot go through the lab's port map (a lab without the privilege to
 * bind 443) nor, later, a link's faults; in direct mode it destroys the client socket without
 * a status line when the target fails, which needed a pre-flight TCP connection per CONNECT
 * (the cloud then logged one phantom handshake failure per request); and its chained path
 * kept sockets in CLOSE-WAIT when the client left early. Here every path ends in
 * `SocketTracker`-tracked sockets that `relay` or an explicit destroy releases.
 */
import type net from 'node:net';
import { matchesPattern } from '../host-pattern.js';
import type { ComponentEnvironment } from './component-environment.js';
import { relay } from './byte-relay.js';
import { httpResponse, parseAuthority, readProxyRequestHead, readResponseHead, type ProxyRequestHead } from './proxy-request-head.js';
import { RecordLog } from './record-log.js';
import { SocketTracker } from './socket-tracker.js';
import { squidAnswer, squidConnectSituation, type SquidSituation } from './squid-answers.js';
import type { ForwardProxyDefinition } from './kinds/forward-proxy-kind.js';

export type { ForwardProxyDefinition, ProxyAuthMode } from './kinds/forward-proxy-kind.js';

export interface ProxyDecisionRecord {
  from: string;
  target: string;
  port: number;
  decision: 'tunnel' | 'forwarded' | 'chained' | 'denied' | 'auth-required' | 'auth-misreported' | 'upstream-failed' | 'closed';
  status: number | null;
  detail: string;
}

const HEAD_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 2_000;
const UPSTREAM_ANSWER_TIMEOUT_MS = 10_000;

export class StartedForwardProxy implements AsyncDisposable {
  readonly records = new RecordLog<ProxyDecisionRecord>();
  private readonly tracker = new SocketTracker();

  private constructor(
    readonly def: ForwardProxyDefinition,
    private readonly env: ComponentEnvironment,
    readonly port: number,
    private readonly server: net.Server,
  ) {}

  static async start(def: ForwardProxyDefinition, env: ComponentEnvironment): Promise<StartedForwardProxy> {
    const { createServer } = await import('node:net');
    const server = createServer();
    const port = def.port ?? 8080;
    const proxy = new StartedForwardProxy(def, env, port, server);
    server.on('connection', (s) => void proxy.onConnection(s));
    await env.listen(server, port, `forward proxy ${def.name}`);
    return proxy;
  }

  get address(): string {
    return this.env.address;
  }

  private get realm(): string {
    return `atp-netlab ${this.def.name}`;
  }

  private async onConnection(client: net.Socket): Promise<void> {
    this.tracker.track(client);
    const from = this.env.whoIs(client.remoteAddress ?? '?');
    const read = await readProxyRequestHead(client, HEAD_TIMEOUT_MS);
    if (!read.ok) {
      if (read.status) client.end(httpResponse(read.status, read.reason));
      else client.destroy();
      return;
    }
    const head = read.head;
    const isConnect = head.method === 'CONNECT';
    const target = isConnect ? parseAuthority(head.target) : absoluteTarget(head.target);
    if (!target) {
      client.end(httpResponse(400, `Bad request target ${head.target}`));
      return;
    }
    const record = (decision: ProxyDecisionRecord['decision'], status: number | null, detail: string) =>
      this.records.push({ from, target: target.host, port: target.port, decision, status, detail });
    const refuse = (decision: ProxyDecisionRecord['decision'], status: number, body: string, headers: Record<string, string> = {}, squid?: SquidSituation) => {
      if (squid && this.def.behaves === 'squid') {
        const answer = squidAnswer(squid, { url: head.target, visibleHostname: this.def.name, realm: this.realm });
        record(decision, answer.status, `${body} (as Squid: ${answer.errorId})`);
        client.end(answer.raw);
        return;
      }
      record(decision, status, body);
      client.end(httpResponse(status, body, headers));
    };

    if (this.def.fault === 'hang') {
      // Hold the request until the client gives up; then there is nobody left to answer.
      client.once('close', () => record('closed', null, 'never answered (fault: hang)'));
      return;
    }
    const auth = this.def.auth ?? 'none';
    if (auth !== 'none' && !this.credentialsOk(head)) {
      if (auth === 'basic') return refuse('auth-required', 407, 'Proxy authentication required', { 'Proxy-Authenticate': `Basic realm="${this.realm}"` }, 'auth-required');
      const status = auth === '401' ? 401 : 403;
      const header: Record<string, string> = auth === '401' ? { 'WWW-Authenticate': `Basic realm="${this.realm}"` } : { 'Proxy-Authenticate': `Basic realm="${this.realm}"` };
      if (this.def.behaves === 'squid') {
        const answer = squidAnswer(auth === '401' ? 'auth-401' : 'auth-403-challenge', { url: head.target, visibleHostname: this.def.name, realm: this.realm });
        record('auth-misreported', status, `answered ${status} with a challenge instead of 407 (as Squid: ${answer.errorId})`);
        client.end(answer.raw);
        return;
      }
      record('auth-misreported', status, `answered ${status} with a challenge instead of 407`);
      client.end(httpResponse(status, 'Authentication required', header));
      return;
    }
    const allow = this.def.allow ?? ['*'];
    const ports = this.def.ports ?? (isConnect ? [443] : [80, 443]);
    if (!ports.includes(target.port) || !allow.some((p) => matchesPattern(p, target.host))) {
      if (this.def.denyAs === 'reset') {
        // Squid's deny_info TCP_RESET: no status line, an RST; the record still says why.
        record('denied', null, 'denied by policy; sent as a TCP reset (deny_info TCP_RESET)');
        client.resetAndDestroy();
        return;
      }
      return refuse('denied', 403, `Access to ${target.host}:${target.port} denied by policy`, {}, 'denied');
    }
    if (this.def.upstream) {
      await this.viaUpstream(client, head, target, record, refuse);
      return;
    }
    const close = this.def.onTargetFailure === 'close';
    const address = this.env.resolve(target.host);
    if (!address) {
      if (close) {
        record('closed', null, `DNS lookup of ${target.host} failed; closed without a status line`);
        client.destroy();
        return;
      }
      return refuse('upstream-failed', 502, `DNS lookup of ${target.host} failed`, {}, 'name-unknown');
    }
    let upstream: net.Socket;
    try {
      upstream = this.tracker.track(await this.env.connect(address, target.port, { timeoutMs: CONNECT_TIMEOUT_MS }));
    } catch (e) {
      const timedOut = (e as { code?: string }).code === 'ETIMEDOUT';
      if (close) {
        record('closed', null, `cannot connect to ${target.host}:${target.port}; closed without a status line`);
        client.destroy();
        return;
      }
      return refuse('upstream-failed', timedOut ? 504 : 502, `Cannot connect to ${target.host}:${target.port} (${(e as Error).message})`, {}, squidConnectSituation((e as { code?: string }).code));
    }
    if (client.destroyed) {
      // The client left while the target was being opened: release the target side too.
      upstream.destroy();
      return;
    }
    if (isConnect) {
      record('tunnel', 200, 'tunnel established');
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.rest.length) upstream.write(head.rest);
    } else {
      // Plain HTTP (revocation lists on port 80): forwarded in origin form, one request per connection.
      record('forwarded', 200, 'request forwarded');
      upstream.write(originFormRequest(head));
    }
    relay(client, upstream);
  }

  private credentialsOk(head: ProxyRequestHead): boolean {
    const creds = this.def.credentials;
    const m = /^Basic\s+(\S+)$/i.exec(head.headers.get('proxy-authorization') ?? '');
    if (!creds || !m) return false;
    return Buffer.from(m[1]!, 'base64').toString('utf8') === `${creds.username}:${creds.password}`;
  }

  /** Chained: one connection to the upstream proxy, our CONNECT (or the request) on it, its answer relayed. */
  private async viaUpstream(
    client: net.Socket,
    head: ProxyRequestHead,
    target: { host: string; port: number },
    record: (d: ProxyDecisionRecord['decision'], s: number | null, detail: string) => void,
    refuse: (d: ProxyDecisionRecord['decision'], status: number, body: string, headers: Record<string, string>, squid?: SquidSituation) => void,
  ): Promise<void> {
    const name = this.def.upstream!;
    const ep = this.env.endpointOf(name);
    // Squid with a cache_peer and never_direct answers a dead parent with 500 ERR_CANNOT_FORWARD.
    if (!ep) return refuse('upstream-failed', 502, `Upstream proxy ${name} unknown`, {}, 'parent-failed');
    let upstream: net.Socket;
    try {
      upstream = this.tracker.track(await this.env.connect(ep.address, ep.port, { timeoutMs: CONNECT_TIMEOUT_MS }));
    } catch (e) {
      return refuse('upstream-failed', 502, `Cannot connect to upstream proxy ${name} (${(e as Error).message})`, {}, 'parent-failed');
    }
    // The client may leave at any point from here on: both sides go with it.
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    if (head.method !== 'CONNECT') {
      record('chained', null, `request forwarded via ${name}`);
      upstream.write(`${head.method} ${head.target} ${head.version}\r\n${head.headerLines.filter((l) => !/^proxy-authorization:/i.test(l)).join('\r\n')}\r\n\r\n`);
      if (head.rest.length) upstream.write(head.rest);
      relay(client, upstream);
      return;
    }
    upstream.write(`CONNECT ${target.host}:${target.port} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\n\r\n`);
    const answer = await readResponseHead(upstream, UPSTREAM_ANSWER_TIMEOUT_MS);
    if (client.destroyed) return;
    if (answer.status === null) {
      record('upstream-failed', 502, `upstream ${name}: ${answer.reason}`);
      client.end(httpResponse(502, `Upstream proxy ${name}: ${answer.reason}`));
      upstream.destroy();
      return;
    }
    record('chained', answer.status, `via ${name}: ${answer.status}`);
    if (answer.status !== 200) {
      // The upstream's refusal (and its body) is what the client gets, as Squid relays a parent's error.
      client.write(answer.raw);
      upstream.pipe(client);
      upstream.resume();
      return;
    }
    const end = answer.raw.indexOf('\r\n\r\n') + 4;
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (answer.raw.length > end) client.write(answer.raw.subarray(end));
    if (head.rest.length) upstream.write(head.rest);
    relay(client, upstream);
  }

  stop(): Promise<void> {
    return this.tracker.closeAll([this.server]);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

function absoluteTarget(url: string): { host: string; port: number } | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:') return undefined;
    return { host: u.hostname.toLowerCase(), port: Number(u.port || 80) };
  } catch {
    return undefined;
  }
}

function originFormRequest(head: ProxyRequestHead): string {
  const u = new URL(head.target);
  const lines = head.headerLines.filter((l) => !/^(proxy-authorization|proxy-connection|connection):/i.test(l));
  return `${head.method} ${u.pathname}${u.search} ${head.version}\r\n${lines.join('\r\n')}${lines.length ? '\r\n' : ''}Connection: close\r\n\r\n${head.rest.length ? head.rest.toString('latin1') : ''}`;
}
