/**
 * A transparent (intercepting) proxy: the Windows host has no proxy setting at all; the lab
 * network diverts its connections to cloud addresses on port 443 here (a diversion of the lab
 * plan, done by the engine: in process by the host's transport, in containers by the kernel).
 *
 *   windows-host ──TCP to <cloud address>:443──▶ network (diverted) ──▶ <lab address>:443
 *     └─ peek ClientHello SNI (bytes put back)
 *          ├─ no SNI / not TLS ─────────▶ close (the original destination is not known here)
 *          ├─ tunnel: lab DNS(SNI) ──── byte pipe (the sensor's own TLS) ─────▶ <SNI>:443
 *          └─ middlebox: ──CONNECT <SNI>:443──▶ the middlebox's CONNECT port, then the same
 *                        byte pipe; the middlebox's mode decides (splice / intercept / mutual)
 *
 * Like Squid in `intercept` mode with `ssl_bump peek` and a `cache_peer`, it routes by the SNI
 * rather than by the original destination address (the in-process engine diverts in user
 * space, without SO_ORIGINAL_DST). It talks to the middlebox over a socket only, and never logs.
 */
import net from 'node:net';
import type { ComponentEnvironment } from './component-environment.js';
import { SocketTracker } from './socket-tracker.js';
import { relay } from './byte-relay.js';
import { TRANSPARENT_PROXY_PORT, type TransparentProxyDefinition } from './kinds/transparent-proxy-kind.js';
import { readClientHello } from './peek-client-hello.js';
import { readResponseHead } from './proxy-request-head.js';
import { RecordLog } from './record-log.js';

export { TRANSPARENT_PROXY_PORT, type TransparentProxyDefinition } from './kinds/transparent-proxy-kind.js';

export interface TransparentProxyRecord {
  from: string;
  sni: string | null;
  /** `host:443` the connection went to, or null when it was dropped before choosing one. */
  target: string | null;
  action: 'tunnel' | 'handed-to-middlebox' | 'dropped';
  /** `ok`, or why the connection could not be served (no-sni, not-tls, ENOTFOUND, …). */
  upstreamResult: string;
}

const PEEK_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 5_000;

export class StartedTransparentProxy implements AsyncDisposable {
  readonly records: TransparentProxyRecord[] = new RecordLog();
  private readonly tracker = new SocketTracker();

  private constructor(
    readonly def: TransparentProxyDefinition,
    private readonly env: ComponentEnvironment,
    private readonly server: net.Server,
  ) {}

  static async start(def: TransparentProxyDefinition, env: ComponentEnvironment): Promise<StartedTransparentProxy> {
    const server = net.createServer();
    const tp = new StartedTransparentProxy(def, env, server);
    server.on('connection', (s) => void tp.onConnection(s));
    await env.listen(server, TRANSPARENT_PROXY_PORT, `transparent proxy ${tp.name}`);
    return tp;
  }

  get name(): string {
    return this.def.name ?? 'transparent-proxy';
  }

  get address(): string {
    return this.env.address;
  }

  get port(): number {
    return TRANSPARENT_PROXY_PORT;
  }

  private track(s: net.Socket): net.Socket {
    return this.tracker.track(s);
  }

  private async onConnection(client: net.Socket): Promise<void> {
    this.track(client);
    const from = this.env.whoIs(client.remoteAddress ?? '?');
    const peek = await readClientHello(client, PEEK_TIMEOUT_MS);
    const sni = peek.status === 'ok' ? peek.hello.sni : null;
    const record: TransparentProxyRecord = { from, sni, target: null, action: 'dropped', upstreamResult: 'ok' };
    this.records.push(record);
    if (!sni) {
      record.upstreamResult = peek.status === 'ok' ? 'no-sni' : peek.status;
      client.destroy();
      return;
    }
    record.target = `${sni}:443`;
    if (this.def.middlebox) {
      record.action = 'handed-to-middlebox';
      await this.handToMiddlebox(client, this.def.middlebox, sni, record);
      return;
    }
    const address = this.env.resolve(sni);
    if (!address) {
      record.upstreamResult = 'ENOTFOUND';
      client.destroy();
      return;
    }
    try {
      const upstream = this.track(await this.env.connect(address, 443, { timeoutMs: CONNECT_TIMEOUT_MS }));
      record.action = 'tunnel';
      relay(client, upstream);
    } catch (e) {
      record.upstreamResult = (e as { code?: string }).code ?? 'error';
      client.destroy();
    }
  }

  /** CONNECT <sni>:443 on the middlebox's own port; once it answers 200, the peeked bytes and the rest flow. */
  private async handToMiddlebox(client: net.Socket, name: string, sni: string, record: TransparentProxyRecord): Promise<void> {
    const ep = this.env.endpointOf(name);
    if (!ep) {
      record.upstreamResult = `unknown middlebox ${name}`;
      client.destroy();
      return;
    }
    let mb: net.Socket;
    try {
      mb = this.track(await this.env.connect(ep.address, ep.port, { timeoutMs: CONNECT_TIMEOUT_MS }));
    } catch (e) {
      record.upstreamResult = (e as { code?: string }).code ?? 'error';
      client.destroy();
      return;
    }
    client.once('close', () => mb.destroy());
    mb.write(`CONNECT ${sni}:443 HTTP/1.1\r\nHost: ${sni}:443\r\n\r\n`);
    const answer = await readResponseHead(mb, CONNECT_TIMEOUT_MS);
    if (answer.status !== 200) {
      // A diverted connection has no CONNECT of its own to answer: all the proxy can do is close.
      record.upstreamResult = answer.status === null ? answer.reason : `middlebox answered ${answer.status}`;
      mb.destroy();
      client.destroy();
      return;
    }
    const end = answer.raw.indexOf('\r\n\r\n') + 4;
    if (answer.raw.length > end) client.write(answer.raw.subarray(end));
    relay(client, mb);
  }

  stop(): Promise<void> {
    return this.tracker.closeAll([this.server]);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
