/**
 * A transparent (intercepting) proxy: the Windows host has no proxy setting at all; the lab
 * network diverts its connections to cloud addresses on port 443 here (LabNetwork.intercept,
 * which is also how the probe learns to report the route as TRANSPARENT).
 *
 *   windows-host ──TCP to <cloud address>:443──▶ lab network (diverted) ──▶ 127.77.B.30:443
 *     └─ peek ClientHello SNI (bytes put back)
 *          ├─ no SNI / not TLS ─────────▶ close (the original destination is not known here)
 *          ├─ tunnel: lab DNS(SNI) ──── byte pipe (the sensor's own TLS) ─────▶ <SNI>:443
 *          └─ middlebox: handed to StartedMiddlebox.handleTls, whose mode decides
 *                        (splice / intercept / intercept-mutual), same code as CONNECT
 *
 * Like Squid in `intercept` mode with `ssl_bump peek`, it routes by the SNI rather than by the
 * original destination address (the lab diverts in user space, without SO_ORIGINAL_DST).
 * It reuses the middlebox's peek and relay code, and never logs.
 */
import net from 'node:net';
import { tcpConnect } from '../transport.js';
import { listenOn } from './address-block.js';
import { SocketTracker } from './socket-tracker.js';
import { relay } from './byte-relay.js';
import type { StartedMiddlebox } from './middlebox.js';
import { readClientHello } from './peek-client-hello.js';
import { RecordLog } from './record-log.js';

export interface TransparentProxyDefinition {
  /** Component name (firewall rules, records); default `transparent-proxy`. */
  name?: string;
  /** Cloud host patterns whose addresses the network diverts on port 443; default every cloud host. */
  divert?: string[];
  /** Hand diverted connections to this middlebox (inspection); default: tunnel them untouched. */
  middlebox?: string;
}

export interface TransparentProxyRecord {
  from: string;
  sni: string | null;
  /** `host:443` the connection went to, or null when it was dropped before choosing one. */
  target: string | null;
  action: 'tunnel' | 'handed-to-middlebox' | 'dropped';
  /** `ok`, or why the connection could not be served (no-sni, not-tls, ENOTFOUND, …). */
  upstreamResult: string;
}

export interface TransparentProxyEnvironment {
  address: string;
  lookup: (host: string) => string | undefined;
  whoIs: (address: string) => string;
  /** The middlebox named by the definition, already started. */
  middlebox?: StartedMiddlebox;
}

const PEEK_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 5_000;
export const TRANSPARENT_PROXY_PORT = 443;

export class StartedTransparentProxy implements AsyncDisposable {
  readonly records: TransparentProxyRecord[] = new RecordLog();
  private readonly tracker = new SocketTracker();

  private constructor(
    readonly def: TransparentProxyDefinition,
    private readonly env: TransparentProxyEnvironment,
    private readonly server: net.Server,
  ) {}

  static async start(def: TransparentProxyDefinition, env: TransparentProxyEnvironment): Promise<StartedTransparentProxy> {
    const server = net.createServer();
    const tp = new StartedTransparentProxy(def, env, server);
    server.on('connection', (s) => void tp.onConnection(s));
    await listenOn(server, env.address, TRANSPARENT_PROXY_PORT, `transparent proxy ${tp.name}`);
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
    if (this.env.middlebox) {
      record.action = 'handed-to-middlebox';
      await this.env.middlebox.handleTls(client, { from, host: sni, port: 443, entry: 'transparent', peek });
      return;
    }
    const address = this.env.lookup(sni);
    if (!address) {
      record.upstreamResult = 'ENOTFOUND';
      client.destroy();
      return;
    }
    try {
      const upstream = this.track(await tcpConnect(address, 443, { timeoutMs: CONNECT_TIMEOUT_MS }, this.env.address));
      record.action = 'tunnel';
      relay(client, upstream);
    } catch (e) {
      record.upstreamResult = (e as { code?: string }).code ?? 'error';
      client.destroy();
    }
  }

  stop(): Promise<void> {
    return this.tracker.closeAll([this.server]);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
