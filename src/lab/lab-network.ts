/**
 * The lab's network as the simulated Windows host sees it:
 *
 *   probe ──lookup──▶ LabDns (lab names only; NXDOMAIN otherwise)
 *   probe ──connect─▶ EgressFirewall ──allow──▶ TCP from 127.77.B.1 (the host's address)
 *                                     ──drop───▶ nothing until the probe's deadline
 *                                     ──reject─▶ real RST from a closed lab port
 *                     (optional) interceptions: a destination rewritten to a transparent proxy
 *
 * It implements NetTransport, so the probe runs unchanged against the lab or the Internet.
 */
import type net from 'node:net';
import { NetError, tcpConnect, type ConnectOptions, type NetTransport } from '../transport.js';
import { isLoopbackAddress, type AddressBlock } from './address-block.js';
import { EgressFirewall, type FirewallDefinition } from './egress-firewall.js';
import { LabDns } from './lab-dns.js';

/** Nothing ever listens here, so connecting yields a genuine ECONNREFUSED. */
const REJECT_SINK_PORT = 47_708;

export interface Interception {
  /** Destination address:port that the network diverts (e.g. cloud endpoints on 443). */
  match: (address: string, port: number) => boolean;
  to: { address: string; port: number };
  label: string;
}

export class LabNetwork {
  readonly dns: LabDns;
  readonly firewall: EgressFirewall;
  /** address → component names ("corp-proxy", "cloud:host") for firewall rules and records. */
  private readonly components = new Map<string, string[]>();
  private readonly interceptions: Interception[] = [];
  private readonly sockets = new Set<net.Socket>();
  readonly hostAddress: string;

  constructor(
    readonly block: AddressBlock,
    firewall: FirewallDefinition,
    suffixes: string[],
  ) {
    this.dns = new LabDns(suffixes);
    this.firewall = new EgressFirewall(firewall);
    this.hostAddress = block.address(1);
    this.nameComponent(this.hostAddress, 'windows-host');
  }

  nameComponent(address: string, name: string): void {
    const list = this.components.get(address) ?? [];
    list.push(name);
    this.components.set(address, list);
  }

  /** Who is at this address, for the cloud's and proxies' records. */
  whoIs(address: string): string {
    const a = address.replace(/^::ffff:/, '');
    return this.components.get(a)?.[0] ?? this.dns.nameOf(a) ?? a;
  }

  intercept(i: Interception): void {
    this.interceptions.push(i);
  }

  /** The lab's DNS for lab components (forward proxies resolve through it too). */
  lookup(host: string): string | undefined {
    return this.dns.resolve(host);
  }

  /** The transport of the simulated Windows host: lab DNS + its egress firewall. */
  hostTransport(): NetTransport {
    return {
      dnsSuffixes: this.dns.suffixes,
      lookup: async (host) => {
        const a = this.dns.resolve(host);
        if (!a) throw new NetError('ENOTFOUND', `${host}: not found by the lab DNS`);
        return [a];
      },
      connect: (address, port, opts) => this.hostConnect(address, port, opts),
      pathNote: (address, port) => this.interceptionFor(address, port)?.label,
    };
  }

  private interceptionFor(address: string, port: number): Interception | undefined {
    return this.interceptions.find((i) => i.match(address, port));
  }

  private async hostConnect(address: string, port: number, opts: ConnectOptions): Promise<net.Socket> {
    const names = [...new Set([...(this.components.get(address) ?? []), ...this.dns.namesOf(address)])];
    if (!isLoopbackAddress(address)) {
      // Defence in depth: lab DNS only holds loopback addresses, but nothing here may ever
      // send a packet off this machine.
      throw new NetError('ECONNREFUSED', `${address}:${port}: the lab connects only to loopback addresses`);
    }
    const action = this.firewall.decide(address, port, names);
    if (action === 'drop') {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, opts.timeoutMs);
        opts.signal?.addEventListener('abort', () => {
          clearTimeout(t);
          reject(new NetError('EABORTED', 'aborted'));
        }, { once: true });
      });
      throw new NetError('ETIMEDOUT', `no answer from ${address}:${port} within ${opts.timeoutMs} ms (dropped by the host's egress firewall)`);
    }
    const target = action === 'reject' ? { address: this.block.address(253), port: REJECT_SINK_PORT } : (this.interceptionFor(address, port)?.to ?? { address, port });
    const socket = await tcpConnect(target.address, target.port, opts, this.hostAddress).catch((e: unknown) => {
      if (action === 'reject' && e instanceof NetError) throw new NetError('ECONNREFUSED', `${address}:${port}: connection rejected by the host's egress firewall`);
      throw e;
    });
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  }

  /** Close every connection the host opened (a scenario's teardown must leave no handle). */
  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}
