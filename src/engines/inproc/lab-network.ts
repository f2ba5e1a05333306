/**
 * The in-process engine's network: addresses, DNS, the port map, the host's egress firewall
 * and the plan's diversions, all in user space, for any user on any OS.
 *
 *   plan slot n ──▶ 127.77.B.n (the lab's own /24 of loopback, claimed per lab)
 *   planned port p (443, 80, 8080) ──▶ p itself when the process may bind it, else a free
 *        port the kernel picks; the port map turns (address, p) into the bound port for
 *        every connection made through the lab (host transport, component environment)
 *
 *   probe ──lookup──▶ LabDns (the plan's names only; NXDOMAIN otherwise)
 *   probe ──connect─▶ EgressFirewall ──allow──▶ diversion? ──▶ port map ──▶ TCP from 127.77.B.1
 *                                     ──drop───▶ nothing until the probe's deadline
 *                                     ──reject─▶ real RST from a closed lab port
 *   component ──connect──▶ port map ──▶ TCP from the component's own address
 *   either connect, on a link with faults ──▶ lab/faults/fault-link.ts: the caller gets one
 *        end of a loopback pair and the bytes cross the link's faults (diagram there)
 *
 * Why a port map rather than privileges: a non-root user cannot bind ports below 1024 (nor
 * change the sysctl), and 127.77.x.y is only routed on Linux. Mapping planned ports to bound
 * ports keeps every component on its real planned port where that is possible (root, or a
 * lowered ip_unprivileged_port_start) and needs nothing where it is not. What the network did
 * to a connection (a diversion, a drop, a reject) is reported to the caller as an event, so the
 * engine, not the probe, says so in the check's path trace.
 */
import type net from 'node:net';
import type { ComponentEnvironment, LabEndpoint } from '../../lab/component-environment.js';
import type { LabNetworkPlan, PlannedComponent } from '../../lab/lab-plan.js';
import { HOST_SLOT } from '../../lab/lab-plan.js';
import { HOST_LINK_END, faultName, faultsOnLink, parseFaultDefinition, type LinkEnd, type PlannedFault } from '../../lab/faults/index.js';
import { AtpNetlabError } from '../../errors.js';
import { wrapWithFaults, type FaultEvent } from '../../lab/faults/fault-link.js';
import type { LabPki } from '../../pki/index.js';
import { NetError, silentUntilDeadline, tcpConnect, type ConnectOptions, type NetTransport } from '../../transport.js';
import { isLoopbackAddress, listenOn, type AddressBlock } from './address-block.js';
import { EgressFirewall } from './egress-firewall.js';
import { LabDns } from './lab-dns.js';

/** Nothing ever listens here, so connecting yields a genuine ECONNREFUSED. */
const REJECT_SINK_SLOT = 253;
const REJECT_SINK_PORT = 47_708;

/** What the network did to one connection of the host. */
export type NetworkEvent =
  | { type: 'diverted'; address: string; port: number; to: string; toAddress: string; toPort: number }
  | { type: 'dropped'; address: string; port: number; rule: string }
  | { type: 'rejected'; address: string; port: number; rule: string }
  | { type: 'fault'; link: string; fault: string; action: 'close' | 'reset' | 'hold'; reason: string };

export class LabNetwork {
  readonly dns: LabDns;
  readonly firewall: EgressFirewall;
  readonly hostAddress: string;
  /** address → component names, for firewall rules and records. */
  private readonly byAddress = new Map<string, string[]>();
  private readonly byName = new Map<string, { address: string; port: number }>();
  /** `address:plannedPort` → bound port, only where they differ. */
  private readonly portMap = new Map<string, number>();
  private readonly diverted = new Map<string, string>();
  private readonly sockets = new Set<net.Socket>();
  /** address → the component there, as a fault's link end names it. */
  private readonly linkEnds = new Map<string, LinkEnd>();
  /** The faults on the lab's links now: the plan's, changed by `lab fault add|remove`. */
  private faults: PlannedFault[];
  /** Who hears what a link's faults did (each running check, for its path trace). */
  private readonly faultListeners = new Set<(e: NetworkEvent) => void>();

  constructor(
    readonly block: AddressBlock,
    readonly plan: LabNetworkPlan,
  ) {
    this.dns = new LabDns([plan.domain]);
    this.faults = [...(plan.faults ?? [])];
    this.firewall = new EgressFirewall(plan.firewall);
    this.hostAddress = block.address(HOST_SLOT);
    this.name(this.hostAddress, 'windows-host');
    for (const c of plan.components) {
      const address = block.address(c.slot);
      this.name(address, c.name);
      this.byName.set(c.name, { address, port: c.port });
      this.linkEnds.set(address, { name: c.name, role: c.role, type: c.type });
    }
    this.linkEnds.set(this.hostAddress, HOST_LINK_END);
    for (const n of plan.dns) {
      const address = n.component ? this.byName.get(n.component)?.address : n.address;
      if (address) this.dns.register(n.name, address);
    }
    for (const d of plan.diversions) {
      for (const from of d.from) {
        const ep = this.byName.get(from);
        if (ep) this.diverted.set(`${ep.address}:${d.port}`, d.to);
      }
    }
  }

  private name(address: string, name: string): void {
    const list = this.byAddress.get(address) ?? [];
    list.push(name);
    this.byAddress.set(address, list);
  }

  addressOf(component: string): string | undefined {
    return this.byName.get(component)?.address;
  }

  /** The planned endpoint of a component (what other components and the host dial). */
  endpointOf(component: string): LabEndpoint | undefined {
    return this.byName.get(component);
  }

  /** The port a connection to (address, planned port) really goes to. */
  boundPort(address: string, port: number): number {
    return this.portMap.get(`${address}:${port}`) ?? port;
  }

  /** Who is at this address, for the cloud's and proxies' records. */
  whoIs(address: string): string {
    const a = address.replace(/^::ffff:/, '');
    return this.byAddress.get(a)?.[0] ?? this.dns.nameOf(a) ?? a;
  }

  /** Bind on a lab address at the planned port, or at a mapped one without the privilege. */
  async listen(server: net.Server, address: string, port: number, what: string): Promise<number> {
    const got = await listenOn(server, address, port, what);
    if (got !== 'EACCES') return got;
    const bound = await listenOn(server, address, 0, what);
    if (bound === 'EACCES') throw new NetError('ECONNREFUSED', `${what}: cannot bind ${address}`);
    this.portMap.set(`${address}:${port}`, bound);
    return port;
  }

  /** A connection from a lab address to a lab address and planned port (components, and the host after its firewall). */
  async connectFrom(from: string, address: string, port: number, opts: ConnectOptions): Promise<net.Socket> {
    if (!isLoopbackAddress(address)) {
      // Defence in depth: the plan holds loopback literals only, but nothing here may ever
      // send a packet off this machine.
      throw new NetError('ECONNREFUSED', `${address}:${port}: the lab connects only to loopback addresses`);
    }
    const socket = this.track(await tcpConnect(address, this.boundPort(address, port), opts, from));
    const faults = this.faults.length ? faultsOnLink(this.faults, this.linkEnds.get(from) ?? { name: from, role: from, type: from }, this.linkEnds.get(address) ?? { name: address, role: address, type: address }) : [];
    if (!faults.length) return socket;
    const onEvent = (e: FaultEvent) => {
      for (const l of this.faultListeners) l({ type: 'fault', link: e.fault.link, fault: e.fault.type, action: e.action, reason: e.reason });
    };
    const wrapped = await wrapWithFaults(socket, faults, { localAddress: from, pairAddress: address, onEvent }).catch((e: unknown) => {
      socket.destroy();
      throw e;
    });
    return this.track(wrapped);
  }

  private track(socket: net.Socket): net.Socket {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  }

  /** The faults on the lab's links; changes apply to connections made after them. */
  listFaults(): PlannedFault[] {
    return [...this.faults];
  }

  /** Add a fault (checked as a scenario's are) to the links of the running lab. */
  addFault(def: unknown): PlannedFault {
    const f = parseFaultDefinition(def, this.plan.components, this.faults, 'fault');
    this.faults.push(f);
    return f;
  }

  removeFault(name: string): PlannedFault {
    const i = this.faults.findIndex((f) => faultName(f) === name);
    if (i < 0) throw new AtpNetlabError('ATPNL_USAGE', `no fault named ${name} on this lab (${this.faults.map(faultName).join(', ') || 'it has none'})`);
    return this.faults.splice(i, 1)[0]!;
  }

  /** Hear what faults do on any link until the returned function is called. */
  onFault(listener: (e: NetworkEvent) => void): () => void {
    this.faultListeners.add(listener);
    return () => this.faultListeners.delete(listener);
  }

  environmentFor(component: PlannedComponent, pki: LabPki): ComponentEnvironment {
    const address = this.block.address(component.slot);
    return {
      name: component.name,
      address,
      pki,
      resolve: (host) => this.dns.resolve(host),
      dnsTable: () => this.dns.entries(),
      connect: (a, p, opts) => this.connectFrom(address, a, p, opts),
      listen: (server, port, what) => this.listen(server, address, port, what),
      whoIs: (a) => this.whoIs(a),
      endpointOf: (name) => this.endpointOf(name),
    };
  }

  /** The transport of the simulated Windows host: lab DNS, its egress firewall, the diversions. */
  hostTransport(onEvent?: (e: NetworkEvent) => void): NetTransport {
    return {
      dnsSuffixes: this.dns.suffixes,
      lookup: async (host) => {
        const a = this.dns.resolve(host);
        if (!a) throw new NetError('ENOTFOUND', `${host}: not found by the lab DNS`);
        return [a];
      },
      connect: (address, port, opts) => this.hostConnect(address, port, opts, onEvent),
    };
  }

  private async hostConnect(address: string, port: number, opts: ConnectOptions, onEvent?: (e: NetworkEvent) => void): Promise<net.Socket> {
    if (!isLoopbackAddress(address)) throw new NetError('ECONNREFUSED', `${address}:${port}: the lab connects only to loopback addresses`);
    const names = [...new Set([...(this.byAddress.get(address) ?? []), ...this.dns.namesOf(address)])];
    const action = this.firewall.decide(address, port, names);
    const rule = this.firewall.decisions.at(-1)?.rule ?? '';
    if (action === 'drop') {
      onEvent?.({ type: 'dropped', address, port, rule });
      return silentUntilDeadline(address, port, opts, "dropped by the host's egress firewall");
    }
    if (action === 'reject') {
      onEvent?.({ type: 'rejected', address, port, rule });
      const sink = this.block.address(REJECT_SINK_SLOT);
      const s = await tcpConnect(sink, REJECT_SINK_PORT, opts, this.hostAddress).catch((e: unknown) => {
        if (e instanceof NetError) throw new NetError('ECONNREFUSED', `${address}:${port}: connection rejected by the host's egress firewall`);
        throw e;
      });
      // Something listens on the sink after all: never hand that socket out as the target.
      s.destroy();
      throw new NetError('ECONNREFUSED', `${address}:${port}: connection rejected by the host's egress firewall`);
    }
    const divertTo = this.diverted.get(`${address}:${port}`);
    if (divertTo) {
      const ep = this.byName.get(divertTo)!;
      onEvent?.({ type: 'diverted', address, port, to: divertTo, toAddress: ep.address, toPort: ep.port });
      return this.connectFrom(this.hostAddress, ep.address, ep.port, opts);
    }
    return this.connectFrom(this.hostAddress, address, port, opts);
  }

  /** Close every connection opened through the lab (a scenario's teardown must leave no handle). */
  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}
