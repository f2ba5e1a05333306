/**
 * Faults under the docker engine: one fault relay container on the lab network, placed on
 * every link that has faults by the kernel of the container that dials (a DNAT rule in its own
 * network namespace), running the same fault plugins as the in-process engine.
 *
 *   host or component container (own netns)
 *     connect(target:port) ──nat OUTPUT DNAT──▶ fault relay 10.213.B.<relay slot>:<port of this link>
 *   fault relay (dist/engines/docker/fault-relay-main.js, the lab image, no rules of its own)
 *     accept ──▶ connect target:port from the relay's address
 *            ──▶ lab/faults/fault-link.ts: the bytes cross the link's faults ──▶ target
 *
 * One relay port per (dialler, target) pair, so the relay knows the target without asking the
 * kernel for the original destination. The host's egress filter still judges the original
 * destination (its rules match conntrack --ctorigdst), so a fault never opens the firewall.
 *
 * Why a relay with the lab's own plugins rather than `tc netem`: netem acts on packets (delay,
 * loss, rate), not on connections or TLS records: it cannot reset after the ClientHello, close
 * after N bytes, stall once the handshake is done, or draw toxicity per connection. With the
 * same plugins a scenario's `faults:` mean the same thing in both engines.
 *
 * What differs from in process: the target sees the relay's address, not the dialler's; a
 * connection the target refuses is accepted by the relay first and then reset; and the faults
 * are those of the plan (no `lab fault add|remove` while the lab runs).
 */
import { execFile } from 'node:child_process';
import { HOST_LINK_END, faultsOnLink, parseLink, endMatches, type LinkEnd, type PlannedFault } from '../../lab/faults/index.js';
import { HOST_SLOT, LAST_COMPONENT_SLOT, type LabNetworkPlan } from '../../lab/lab-plan.js';
import { countedPackets } from './host-firewall.js';
import { LineBuffer } from './line-buffer.js';

export const RELAY_SPEC_PATH = '/lab/fault-relay.json';
/** The relay's ports: one per faulted (dialler, target) pair, from here up. */
const FIRST_RELAY_PORT = 40_000;
/** `*->*` on a full lab would need a port per pair of components: far more than a lab needs. */
const MAX_RELAY_LINKS = 2_000;
/** How long the relay waits for the target before it resets the dialler's connection. */
export const RELAY_CONNECT_TIMEOUT_MS = 3_000;
/** In the comment of every relay DNAT rule (the kernel counts what each one sent to the relay). */
export const RELAY_COMMENT = 'atp-netlab fault relay';
/** What a line of the relay's stdout starts with when it reports a fault's action. */
export const FAULT_EVENT_PREFIX = 'atp-netlab fault event ';

export interface RelayLink {
  /** The dialler's slot (HOST_SLOT for the Windows host) and its link-end name. */
  fromSlot: number;
  from: string;
  to: string;
  /** The relay listens here for this pair. */
  port: number;
  target: { address: string; port: number };
  faults: PlannedFault[];
}

export interface FaultRelaySpec {
  address: string;
  links: RelayLink[];
}

export interface FaultRelayPlan extends FaultRelaySpec {
  slot: number;
}

/** What each fault event line carries (the relay prints one per action, JSON after the prefix). */
export interface RelayFaultEvent {
  link: string;
  fault: string;
  action: 'close' | 'reset' | 'hold';
  reason: string;
  atMs: number;
}

/** The relay's slot: the first after every component (the engine keeps 253 and 254). */
function relaySlot(plan: LabNetworkPlan): number {
  return Math.max(HOST_SLOT, ...plan.components.map((c) => c.slot)) + 1;
}

/** The faulted links of the plan, each with a relay port; undefined when the plan has no faults. */
export function faultRelayPlan(plan: LabNetworkPlan, address: (slot: number) => string): FaultRelayPlan | undefined {
  const faults = plan.faults ?? [];
  if (!faults.length) return undefined;
  const slot = relaySlot(plan);
  const diallers: { slot: number; end: LinkEnd }[] = [{ slot: HOST_SLOT, end: HOST_LINK_END }, ...plan.components.map((c) => ({ slot: c.slot, end: { name: c.name, role: c.role, type: c.type } }))];
  const links: RelayLink[] = [];
  for (const d of diallers) {
    for (const t of plan.components) {
      if (t.slot === d.slot) continue;
      const on = faultsOnLink(faults, d.end, { name: t.name, role: t.role, type: t.type });
      if (on.length) links.push({ fromSlot: d.slot, from: d.end.name, to: t.name, port: FIRST_RELAY_PORT + links.length, target: { address: address(t.slot), port: t.port }, faults: on });
    }
  }
  return { slot, address: address(slot), links };
}

/** Why the docker engine cannot put this plan's faults on its links, or undefined. */
export function relayUnsupported(plan: LabNetworkPlan): string | undefined {
  const faults = plan.faults ?? [];
  if (!faults.length) return undefined;
  if (relaySlot(plan) > LAST_COMPONENT_SLOT) return `the docker engine's fault relay needs an address slot after the components, and this lab uses them all (${plan.components.length} components)`;
  // The host reaches a transparent proxy only through the kernel's diversion (a DNAT already),
  // and a connection gets one DNAT: the relay cannot sit on that link. (Faults on host->cloud
  // for a diverted cloud act in neither engine: the connection goes to the proxy; the diversion
  // rule comes first in nat OUTPUT, so the relay's rule for it never matches.)
  const diverted = new Set(plan.diversions.map((d) => d.to));
  for (const f of faults) {
    const { from, to } = parseLink(f.link);
    if (!endMatches(from, HOST_LINK_END)) continue;
    const hit = plan.components.find((c) => diverted.has(c.name) && endMatches(to, { name: c.name, role: c.role, type: c.type }));
    if (hit) return `the docker engine cannot apply fault ${f.type} on ${f.link}: the host's connections to ${hit.name} are diverted by the kernel to a transparent proxy (faults on the transparent proxy's own links, such as transparent-proxy->cloud, work)`;
  }
  const n = faultRelayPlan(plan, String)!.links.length;
  if (n > MAX_RELAY_LINKS) return `the docker engine's fault relay carries at most ${MAX_RELAY_LINKS} links; this plan's faults name ${n} (narrow the link specs)`;
  return undefined;
}

/** The nat rules of one dialler: each faulted target's address:port to its relay port. */
export function relayNatRules(relay: FaultRelayPlan, fromSlot: number): string {
  const lines = relay.links
    .filter((l) => l.fromSlot === fromSlot)
    .map((l) => `-A OUTPUT -d ${l.target.address}/32 -p tcp --dport ${l.target.port} -m comment --comment "${RELAY_COMMENT} ${l.from}->${l.to}" -j DNAT --to-destination ${relay.address}:${l.port}`);
  return ['*nat', ...lines, 'COMMIT', ''].join('\n');
}

function iptablesRestore(pid: number, rules: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // --noflush: the host's own rules (filter, its diversions) and Docker's DNS rules stay.
    const child = execFile('nsenter', ['-t', String(pid), '-n', 'iptables-restore', '--noflush'], { timeout: 15_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`fault relay rules in pid ${pid}'s namespace: ${String(stderr).trim() || err.message}`)) : resolve(),
    );
    child.stdin?.end(rules);
  });
}

/** Put the relay on each faulted link: the DNAT rules in every dialler's namespace. */
export async function loadRelayRules(relay: FaultRelayPlan, pidOfSlot: (slot: number) => Promise<number>): Promise<void> {
  for (const slot of [...new Set(relay.links.map((l) => l.fromSlot))]) await iptablesRestore(await pidOfSlot(slot), relayNatRules(relay, slot));
}

/** Connections the kernel of pid's namespace sent to the fault relay so far. */
export function relayedConnections(pid: number): Promise<number> {
  return countedPackets(pid, 'nat', RELAY_COMMENT);
}

/** The relay's fault events as they arrive on its stdout, for the checks' path trace. */
export class RelayEventLog {
  private readonly lines = new LineBuffer();
  private readonly events: RelayFaultEvent[] = [];
  /** Bounded: a long `lab up` keeps the most recent ones. */
  private static readonly MAX_EVENTS = 10_000;

  push(chunk: string): void {
    for (const line of this.lines.push(chunk)) {
      if (!line.startsWith(FAULT_EVENT_PREFIX)) continue;
      try {
        this.events.push(JSON.parse(line.slice(FAULT_EVENT_PREFIX.length)) as RelayFaultEvent);
      } catch {
        continue; // a torn line: the trace misses one event, the check's outcome does not change
      }
      if (this.events.length > RelayEventLog.MAX_EVENTS) this.events.splice(0, this.events.length - RelayEventLog.MAX_EVENTS);
    }
  }

  /** What faults did between two wall-clock times (a probe run), as the engine's network events. */
  during(startMs: number, endMs: number): { type: 'fault'; link: string; fault: string; action: 'close' | 'reset' | 'hold'; reason: string }[] {
    return this.events.filter((e) => e.atMs >= startMs && e.atMs <= endMs).map((e) => ({ type: 'fault', link: e.link, fault: e.fault, action: e.action, reason: e.reason }));
  }
}
