/**
 * The host side of `atp-netlab load --engine docker`: simulated sensors run in this process
 * (hundreds of TLS clients would not fit in the host container's probe worker) and reach the
 * lab's containers over the lab's own Docker network, from its gateway address. What the host
 * container's kernel does to its own connections, this transport does to theirs:
 *
 *   lookup(name) ──UDP──▶ the lab dnsmasq (.253): lab names only, NXDOMAIN for the rest
 *   connect(a, p) ──▶ a in the lab's /24? else refused (nothing leaves the lab network)
 *                 ──▶ the plan's egress firewall (firewallDecision, as the host's iptables rules)
 *                     drop: nothing until the deadline; reject: refused
 *                 ──▶ a diversion? the transparent proxy (as the host's DNAT rule)
 *                 ──▶ a faulted host link? the fault relay's port for it (as the relay's DNAT rule)
 *                 ──▶ TCP from this machine
 *
 * The one difference from the probe in the host container: the firewall is decided here, from
 * the same plan, not by the host container's packet filter.
 */
import dns from 'node:dns';
import type { LabNetworkPlan } from '../../lab/lab-plan.js';
import { firewallDecision } from '../../lab/firewall-definition.js';
import { lookupErrorCode, NetError, silentUntilDeadline, tcpConnect, type NetTransport } from '../../transport.js';
import { HOST_SLOT } from '../../lab/lab-plan.js';
import type { FaultRelayPlan } from './fault-relay.js';

export interface DockerHostSide {
  plan: LabNetworkPlan;
  /** `10.213.B`: the lab network's /24. */
  subnetPrefix: string;
  dnsAddress: string;
  /** name → address, as the lab dnsmasq answers (for the firewall's names of an address). */
  dnsTable: [string, string][];
  relay?: FaultRelayPlan;
}

export function dockerHostTransport(side: DockerHostSide): NetTransport {
  const resolver = new dns.promises.Resolver({ timeout: 1_000, tries: 2 });
  resolver.setServers([side.dnsAddress]);
  const address = (slot: number) => `${side.subnetPrefix}.${slot}`;
  const namesAt = new Map<string, string[]>();
  for (const c of side.plan.components) namesAt.set(address(c.slot), [c.name]);
  for (const [n, a] of side.dnsTable) namesAt.set(a, [...(namesAt.get(a) ?? []), n]);
  const diverted = new Map<string, { address: string; port: number }>();
  for (const d of side.plan.diversions) {
    const to = side.plan.components.find((c) => c.name === d.to)!;
    for (const from of d.from) {
      const c = side.plan.components.find((x) => x.name === from);
      if (c) diverted.set(`${address(c.slot)}:${d.port}`, { address: address(to.slot), port: to.port });
    }
  }
  const relayed = new Map((side.relay?.links ?? []).filter((l) => l.fromSlot === HOST_SLOT).map((l) => [`${l.target.address}:${l.target.port}`, { address: side.relay!.address, port: l.port }]));
  return {
    dnsSuffixes: [side.plan.domain],
    async lookup(host) {
      try {
        return await resolver.resolve4(host.replace(/\.$/, ''));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new NetError(lookupErrorCode(code), `${host}: ${code ?? 'lookup failed'} (lab DNS ${side.dnsAddress})`);
      }
    },
    async connect(a, port, opts) {
      if (!a.startsWith(`${side.subnetPrefix}.`)) throw new NetError('ECONNREFUSED', `${a}:${port}: the lab connects only to its own network ${side.subnetPrefix}.0/24`);
      const { action, rule } = firewallDecision(side.plan.firewall, a, port, namesAt.get(a) ?? []);
      if (action === 'drop') return silentUntilDeadline(a, port, opts, `dropped by the host's egress firewall: ${rule}`);
      if (action === 'reject') throw new NetError('ECONNREFUSED', `${a}:${port}: connection rejected by the host's egress firewall (${rule})`);
      const divert = diverted.get(`${a}:${port}`);
      const to = divert ?? { address: a, port };
      const hop = relayed.get(`${to.address}:${to.port}`) ?? to;
      return tcpConnect(hop.address, hop.port, opts);
    },
  };
}
