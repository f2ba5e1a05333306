/**
 * Starts every component of a lab definition on its own loopback address and disposes them
 * all, in reverse order, whatever happened in between.
 *
 *   127.77.B.1      windows-host (source address of the probe's connections)
 *   127.77.B.3..    forward proxies (upstreams first)
 *   127.77.B.20..   SSL-inspecting middleboxes (CONNECT, port 8080 by default)
 *   127.77.B.30     transparent proxy (port 443; the network diverts cloud addresses to it)
 *   127.77.B.40..   PAC / WPAD servers, port 80
 *   127.77.B.100..  cloud endpoints, one per host, port 443
 *   127.77.B.253    reject sink (nothing listens: genuine RST)
 *   127.77.B.254    block sentinel
 */
import { AtpNetlabError } from '../errors.js';
import type { LabPki } from '../pki/index.js';
import type { NetTransport } from '../transport.js';
import { claimAddressBlock, isLoopbackAddress, type AddressBlock } from './address-block.js';
import { StartedForwardProxy } from './forward-proxy.js';
import type { LabDefinition } from './lab-definition.js';
import { LabNetwork } from './lab-network.js';
import { StartedMiddlebox } from './middlebox.js';
import { StartedMockCloud } from './mock-cloud.js';
import { matchesPattern } from './egress-firewall.js';
import { StartedTransparentProxy } from './transparent-proxy.js';
import { StartedPacServer } from './pac-server.js';

export interface LabComponentInfo {
  name: string;
  kind: 'windows-host' | 'forward-proxy' | 'cloud' | 'pac-server' | 'middlebox' | 'transparent-proxy';
  address: string;
  port?: number;
  dnsNames: string[];
}

export class StartedLab implements AsyncDisposable {
  readonly proxies = new Map<string, StartedForwardProxy>();
  readonly middleboxes = new Map<string, StartedMiddlebox>();
  transparentProxy?: StartedTransparentProxy;
  readonly pacServers = new Map<string, StartedPacServer>();
  cloud!: StartedMockCloud;
  readonly components: LabComponentInfo[] = [];
  private stopped = false;

  private constructor(
    readonly definition: LabDefinition,
    readonly pki: LabPki,
    readonly block: AddressBlock,
    readonly network: LabNetwork,
  ) {}

  static async start(def: LabDefinition, pki: LabPki): Promise<StartedLab> {
    const block = await claimAddressBlock();
    const network = new LabNetwork(block, def.firewall, [def.domain]);
    const lab = new StartedLab(def, pki, block, network);
    lab.components.push({ name: 'windows-host', kind: 'windows-host', address: network.hostAddress, dnsNames: [] });
    try {
      await lab.startAll();
    } catch (e) {
      await lab.stop();
      throw e;
    }
    return lab;
  }

  private async startAll(): Promise<void> {
    const def = this.definition;
    const { network, block } = this;
    // Cloud endpoints first: proxies pre-flight their targets through the lab DNS.
    const cloudHosts = def.cloud.hosts;
    if (cloudHosts.length > 140) throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', `a lab holds at most 140 cloud endpoints (got ${cloudHosts.length})`);
    this.cloud = await StartedMockCloud.start({
      pki: this.pki,
      hosts: cloudHosts,
      addressFor: (_h, i) => block.address(100 + i),
      whoIs: (a) => network.whoIs(a),
    });
    for (const ep of this.cloud.endpoints) {
      network.dns.register(ep.host, ep.address);
      network.nameComponent(ep.address, `cloud:${ep.host}`);
      this.components.push({ name: `cloud:${ep.host}`, kind: 'cloud', address: ep.address, port: ep.port, dnsNames: [ep.host] });
    }
    await this.startMiddleboxes();
    // Addresses and names of every proxy are known before any starts, so upstreams can be named.
    const proxyAddress = new Map<string, string>();
    def.proxies.forEach((p, i) => {
      const address = block.address(3 + i);
      proxyAddress.set(p.name, address);
      network.nameComponent(address, p.name);
      for (const n of [p.name, `${p.name}.${def.domain}`]) network.dns.register(n, address);
    });
    for (const p of orderUpstreamsFirst(def.proxies)) {
      const address = proxyAddress.get(p.name)!;
      let upstreamUrl: string | undefined;
      if (p.upstream) {
        const up = this.proxies.get(p.upstream) ?? this.middleboxes.get(p.upstream);
        if (!up) throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', `proxy ${p.name} chains to unknown upstream "${p.upstream}"`, { field: `network.proxies.${p.name}.upstream` });
        upstreamUrl = up.url;
      }
      const started = await StartedForwardProxy.start(p, { address, lookup: (h) => network.lookup(h), whoIs: (a) => network.whoIs(a), upstreamUrl });
      this.proxies.set(p.name, started);
      this.components.push({ name: p.name, kind: 'forward-proxy', address, port: started.port, dnsNames: [p.name, `${p.name}.${def.domain}`] });
    }
    for (const [i, w] of (def.pacServers ?? []).entries()) {
      const address = block.address(40 + i);
      network.nameComponent(address, w.name);
      for (const n of [w.name, `${w.name}.${def.domain}`, ...(w.aliases ?? [])]) network.dns.register(n, address);
      const started = await StartedPacServer.start(w, { address, whoIs: (a) => network.whoIs(a) });
      this.pacServers.set(w.name, started);
      this.components.push({ name: w.name, kind: 'pac-server', address, port: started.port, dnsNames: [w.name, `${w.name}.${def.domain}`, ...(w.aliases ?? [])] });
    }
    for (const [name, target] of Object.entries(def.dns?.records ?? {})) {
      const address = proxyAddress.get(target) ?? this.middleboxes.get(target)?.address ?? this.cloud.endpoints.find((e) => e.host === target)?.address ?? target;
      // The lab only ever sends packets to this machine: a record may point at a lab
      // component or a loopback address, never at another network.
      if (!isLoopbackAddress(address)) {
        throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', `DNS record ${name} → ${target}: not a lab component or a loopback address (the lab never sends traffic off this machine)`, { field: `network.dns.records.${name}` });
      }
      network.dns.register(name, address);
    }
    for (const name of def.dns?.remove ?? []) {
      network.dns.unregister(name);
      network.dns.unregister(`${name}.${def.domain}`);
    }
    await this.startTransparentProxy();
  }

  private async startMiddleboxes(): Promise<void> {
    const def = this.definition;
    const { network, block } = this;
    const list = def.middleboxes ?? [];
    if (list.length > 10) throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', `a lab holds at most 10 middleboxes (got ${list.length})`);
    for (const [i, m] of list.entries()) {
      if (this.middleboxes.has(m.name) || def.proxies.some((p) => p.name === m.name)) {
        throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', `component name "${m.name}" is used twice`, { field: `network.middleboxes.${m.name}` });
      }
      const address = block.address(20 + i);
      network.nameComponent(address, m.name);
      const dnsNames = [m.name, `${m.name}.${def.domain}`];
      for (const n of dnsNames) network.dns.register(n, address);
      const started = await StartedMiddlebox.start(m, { address, pki: this.pki, lookup: (h) => network.lookup(h), whoIs: (a) => network.whoIs(a) });
      this.middleboxes.set(m.name, started);
      this.components.push({ name: m.name, kind: 'middlebox', address, port: started.port, dnsNames });
    }
  }

  private async startTransparentProxy(): Promise<void> {
    const t = this.definition.transparentProxy;
    if (!t) return;
    const { network, block } = this;
    const address = block.address(30);
    const name = t.name ?? 'transparent-proxy';
    let middlebox: StartedMiddlebox | undefined;
    if (t.middlebox) {
      middlebox = this.middleboxes.get(t.middlebox);
      if (!middlebox) throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', `transparent proxy hands to unknown middlebox "${t.middlebox}"`, { field: 'network.transparentProxy.middlebox' });
    }
    network.nameComponent(address, name);
    this.transparentProxy = await StartedTransparentProxy.start(t, { address, lookup: (h) => network.lookup(h), whoIs: (a) => network.whoIs(a), middlebox });
    const patterns = t.divert ?? ['*'];
    const diverted = new Set(this.cloud.endpoints.filter((e) => patterns.some((p) => matchesPattern(p, e.host))).map((e) => e.address));
    network.intercept({
      match: (a, port) => port === 443 && diverted.has(a),
      to: { address, port: this.transparentProxy.port },
      label: `transparent proxy ${name} (${address}:${this.transparentProxy.port})${t.middlebox ? ` with middlebox ${t.middlebox}` : ''}`,
    });
    this.components.push({ name, kind: 'transparent-proxy', address, port: this.transparentProxy.port, dnsNames: [] });
  }

  /**
   * The roots the simulated host trusts: the lab cloud root, plus the CA of any middlebox
   * whose definition says the host trusts it (a convenience for the scenario runner).
   */
  hostTrustedCaPems(): string[] {
    const pems = [this.pki.trustedRoot.certPem];
    if ((this.definition.middleboxes ?? []).some((m) => m.hostTrustsCa)) pems.push(this.pki.middleboxCa.certPem);
    return pems;
  }

  /** The simulated Windows host's network (lab DNS + egress firewall), for the probe. */
  hostTransport(): NetTransport {
    return this.network.hostTransport();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.network.destroyAll();
    await this.transparentProxy?.stop().catch(() => undefined);
    for (const w of this.pacServers.values()) await w.stop().catch(() => undefined);
    for (const p of [...this.proxies.values()].reverse()) await p.stop().catch(() => undefined);
    for (const m of this.middleboxes.values()) await m.stop().catch(() => undefined);
    await this.cloud?.stop().catch(() => undefined);
    await this.block.release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

export function startLab(def: LabDefinition, pki: LabPki): Promise<StartedLab> {
  return StartedLab.start(def, pki);
}

function orderUpstreamsFirst<T extends { name: string; upstream?: string }>(items: T[]): T[] {
  const out: T[] = [];
  const byName = new Map(items.map((i) => [i.name, i]));
  const visiting = new Set<string>();
  const visit = (i: T) => {
    if (out.includes(i)) return;
    if (visiting.has(i.name)) throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', `proxy chain loops through ${i.name}`);
    visiting.add(i.name);
    const up = i.upstream ? byName.get(i.upstream) : undefined;
    if (up) visit(up);
    out.push(i);
  };
  items.forEach(visit);
  return out;
}
