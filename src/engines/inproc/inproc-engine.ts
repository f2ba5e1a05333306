/**
 * The in-process engine (default): every component of the plan in this process, each on
 * its own loopback address of a /24 the lab claims, the simulated DNS, egress firewall and
 * diversions in the host's transport (lab-network.ts), and the real host-side code
 * (windows-host.ts). No root, no Docker, no sysctl: privileged planned ports are mapped.
 *
 *   LabPlan ─▶ claim 127.77.B.0/24 ─▶ LabNetwork(plan) ─▶ each component: kind.start(def, env)
 *          ─▶ runCheck: SimulatedWindowsHost over a per-check host transport
 *             └▶ what the network did (a diversion) goes into the outcome's route and detail
 */
import fs from 'node:fs';
import { PING_PATH } from '../../catalog/index.js';
import type { StartedComponent } from '../../lab/component-kind.js';
import { componentKind } from '../../lab/kinds/index.js';
import type { LabDefinition } from '../../lab/lab-definition.js';
import { compileNetworkPlan, explainNetworkPlan, LAB_TIMEOUTS, type LabNetworkPlan, type LabPlan, type PlanCheck } from '../../lab/lab-plan.js';
import { AUTH_CHECK_PATH, LAB_CLOUD_MARKER_HEADER, type StartedMockCloud } from '../../lab/mock-cloud.js';
import type { StartedForwardProxy } from '../../lab/forward-proxy.js';
import type { StartedMiddlebox } from '../../lab/middlebox.js';
import type { StartedPacServer } from '../../lab/pac-server.js';
import type { StartedTransparentProxy } from '../../lab/transparent-proxy.js';
import type { LabPki } from '../../pki/index.js';
import { splitPemCertificates } from '../../pem-bundle.js';
import type { ExternalReport, ProbeEvidence } from '../../probe/evidence.js';
import type { ProbeOutcome } from '../../probe/outcome.js';
import { policyResetReports, resetRightAfterConnect, type DecisionRecordLike } from '../../probe/policy-reset-reports.js';
import type { NetTransport } from '../../transport.js';
import type { Engine, LabFaults, ReachableEndpoint, SensorSide, StartedEngineLab } from '../engine.js';
import type { Identity } from '../../identity.js';
import { SimulatedWindowsHost } from '../windows-host.js';
import { claimAddressBlock, type AddressBlock } from './address-block.js';
import { LabNetwork, type NetworkEvent } from './lab-network.js';


const POLICY_LOG_WAIT_MS = 1_000;
const POLICY_LOG_POLL_MS = 50;

export class StartedInprocLab implements StartedEngineLab {
  readonly engine = 'inproc';
  private readonly started = new Map<string, StartedComponent>();
  private host?: SimulatedWindowsHost;
  private stopped = false;
  readonly faults: LabFaults = {
    list: () => this.network.listFaults(),
    add: (def) => this.network.addFault(def),
    remove: (name) => this.network.removeFault(name),
  };

  private constructor(
    readonly plan: LabPlan,
    readonly pki: LabPki,
    readonly block: AddressBlock,
    readonly network: LabNetwork,
  ) {}

  static async start(plan: LabPlan, pki: LabPki): Promise<StartedInprocLab> {
    const block = await claimAddressBlock();
    const lab = new StartedInprocLab(plan, pki, block, new LabNetwork(block, plan));
    try {
      // Every address and planned port is known before anything starts, so start order does
      // not matter: a chained proxy dials its upstream only when a CONNECT arrives.
      for (const c of plan.components) {
        const kind = componentKind(c.type)!;
        lab.started.set(c.name, await kind.start(c.definition, lab.network.environmentFor(c, pki)));
      }
      lab.host = await SimulatedWindowsHost.create(plan.host, pki, lab.network.hostTransport(), { pingPath: PING_PATH, authCheckPath: AUTH_CHECK_PATH, markerHeader: LAB_CLOUD_MARKER_HEADER });
    } catch (e) {
      await lab.stop();
      throw e;
    }
    return lab;
  }

  async runCheck(check: PlanCheck): Promise<ProbeOutcome> {
    const events: NetworkEvent[] = [];
    // Fault events come from any link (a proxy's upstream too), where no connection says
    // which check it serves: the trace says what a fault did while this check ran (checks
    // of one lab may run side by side, so it may have been a neighbour's connection).
    const unsubscribe = this.network.onFault((e) => events.push(e));
    try {
      const observed = await this.host!.runCheck(check, this.network.hostTransport((e) => events.push(e)), (ev) => this.policyResets(ev));
      return annotate(observed, events, check);
    } finally {
      unsubscribe();
    }
  }

  /**
   * A reset right after CONNECT is a policy denial when a proxy's own records say so (Squid
   * writes its access log line when the transaction ends, so wait for it briefly).
   */
  private async policyResets(ev: ProbeEvidence): Promise<ExternalReport[]> {
    if (!resetRightAfterConnect(ev)) return [];
    const proxies = this.plan.components.filter((c) => c.role === 'proxy' || c.role === 'middlebox');
    for (let waitedMs = 0; ; waitedMs += POLICY_LOG_POLL_MS) {
      const reports = policyResetReports(ev, new Map(proxies.map((c) => [c.name, this.records(c.name) as DecisionRecordLike[]])));
      if (reports.length || waitedMs >= POLICY_LOG_WAIT_MS) return reports;
      await new Promise((r) => setTimeout(r, POLICY_LOG_POLL_MS));
    }
  }

  sensorSide(identity: Identity): Promise<SensorSide> {
    return this.host!.sensorSide(identity, this.network.hostTransport());
  }

  enrollSensors(thumbprints: readonly string[]): void {
    for (const cloud of this.ofType<StartedMockCloud>('cloud-endpoint').values()) cloud.enroll(thumbprints);
  }

  /** The simulated Windows host's network (lab DNS + egress firewall + diversions), for tests and the probe. */
  hostTransport(onEvent?: (e: NetworkEvent) => void): NetTransport {
    return this.network.hostTransport(onEvent);
  }

  /**
   * The lab cloud root, plus the middlebox CA when a middlebox's definition says the host
   * trusts it (component tests; scenarios say it in host.trust).
   */
  hostTrustedCaPems(): string[] {
    const pems = [this.pki.trustedRoot.certPem];
    for (const c of this.plan.components) {
      const def = c.definition as { hostTrustsCa?: boolean; inspectionCaPem?: { certPem: string } };
      if (c.role === 'middlebox' && def.hostTrustsCa) pems.push(...(def.inspectionCaPem ? splitPemCertificates(def.inspectionCaPem.certPem) : [this.pki.middleboxCa.certPem]));
    }
    return pems;
  }

  component<T extends StartedComponent>(name: string): T | undefined {
    return this.started.get(name) as T | undefined;
  }

  records(name: string): readonly object[] {
    return this.started.get(name)?.records ?? [];
  }

  private ofType<T extends StartedComponent>(type: string): Map<string, T> {
    return new Map(this.plan.components.filter((c) => c.type === type && this.started.has(c.name)).map((c) => [c.name, this.started.get(c.name) as T]));
  }

  get proxies(): Map<string, StartedForwardProxy> {
    return this.ofType('forward-proxy');
  }
  get middleboxes(): Map<string, StartedMiddlebox> {
    return this.ofType('middlebox');
  }
  get pacServers(): Map<string, StartedPacServer> {
    return this.ofType('pac-server');
  }
  get transparentProxy(): StartedTransparentProxy | undefined {
    return [...this.ofType<StartedTransparentProxy>('transparent-proxy').values()][0];
  }
  /** Every cloud endpoint as one mock cloud: endpoints, and records merged in the order they happened. */
  get cloud(): { endpoints: { host: string; address: string; port: number }[]; records: StartedMockCloud['records']; handshakeFailures: StartedMockCloud['handshakeFailures'] } {
    const clouds = [...this.ofType<StartedMockCloud>('cloud-endpoint').values()];
    return {
      endpoints: clouds.flatMap((c) => c.endpoints),
      records: clouds.flatMap((c) => c.records).sort((a, b) => a.seq - b.seq),
      handshakeFailures: clouds.flatMap((c) => c.handshakeFailures).sort((a, b) => a.seq - b.seq),
    };
  }

  endpoints(): ReachableEndpoint[] {
    const host: ReachableEndpoint = { name: 'windows-host', type: 'windows-host', role: 'windows-host', address: this.network.hostAddress, port: 0, boundPort: 0, dnsNames: [] };
    return [
      host,
      ...this.plan.components.map((c) => {
        const address = this.network.addressOf(c.name)!;
        return {
          name: c.name,
          type: c.type,
          role: c.role,
          address,
          port: c.port,
          boundPort: this.network.boundPort(address, c.port),
          dnsNames: this.plan.dns.filter((n) => n.component === c.name).map((n) => n.name),
        };
      }),
    ];
  }

  dnsTable(): [string, string][] {
    return this.network.dns.entries();
  }

  outsideNotes(): string[] {
    const notes: string[] = [];
    const fw = this.plan.firewall;
    notes.push(
      `The egress firewall (default ${fw.default}${fw.rules.length ? `, ${fw.rules.length} rule(s)` : ''}) exists only inside the in-process transport:` +
        ' a client outside this process reaches every lab address directly, so firewall rules are NOT enforced for external probes.',
    );
    if (this.network.listFaults().some((f) => /^(host|windows-host|\*)->/.test(f.link))) {
      notes.push('Faults on links from the host (host->…) act only on in-process connections: an external probe connects to the components directly; faults between components (proxy->cloud, …) act on everyone\'s traffic.');
    }
    if (this.plan.diversions.length) notes.push('The transparent proxy only diverts in-process connections: an external probe goes straight to the cloud endpoints.');
    if (this.endpoints().some((e) => e.port !== e.boundPort)) {
      notes.push('This process may not bind ports below 1024, so the lab maps them: outside tools must connect to the bound ports shown (curl --connect-to, probe --resolve host:address:port).');
    }
    return notes;
  }

  explain(): string {
    return explainNetworkPlan(this.plan);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.host?.[Symbol.dispose]();
    this.network.destroyAll();
    for (const c of [...this.started.values()].reverse()) await c.stop().catch(() => undefined);
    await this.block.release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** The engine's account of the path: a diverted direct connection is the transparent route. */
export function annotate(o: ProbeOutcome, events: NetworkEvent[], check: Pick<PlanCheck, 'url' | 'host'>): ProbeOutcome {
  const faults = [...new Set(events.flatMap((e) => (e.type === 'fault' ? [`fault ${e.fault} on ${e.link} ${({ reset: 'reset a connection', close: 'closed a connection', hold: 'held a connection' } as const)[e.action]} during this check (${e.reason})`] : [])))];
  const withFaults = faults.length && !o.reachable ? { ...o, detail: [o.detail, ...faults].filter(Boolean).join('; ') } : o;
  const d = events.find((e): e is Extract<NetworkEvent, { type: 'diverted' }> => e.type === 'diverted' && e.port === Number(new URL(check.url).port || 443));
  if (!d || withFaults.route !== 'DIRECT') return withFaults;
  return { ...withFaults, route: 'TRANSPARENT', detail: [withFaults.detail, `the network diverted ${check.host}:${d.port} to transparent proxy ${d.to} (${d.toAddress}:${d.toPort})`].filter(Boolean).join('; ') };
}

export const inprocEngine: Engine = {
  name: 'inproc',
  description: 'every component in this process on loopback addresses; no root, no Docker',
  prerequisites: async () => [],
  unsupported: (plan) => {
    const types = [...new Set([...plan.components.map((c) => c.type), ...(plan.requires.kinds ?? [])])];
    const missing = types.filter((t) => !componentKind(t));
    if (missing.length) return `the inproc engine has no component kind ${missing.join(', ')}`;
    for (const t of types) {
      const kind = componentKind(t)!;
      const why = kind.unavailable?.();
      if (why) return `component kind ${t}: ${why}`;
      // A real program dials the cloud's planned 443 itself and cannot follow the port map.
      if (kind.needsPlannedPorts && !canBindPrivilegedPorts()) return `component kind ${t} connects to the planned ports (443), but this process cannot bind ports below 1024 and the lab maps them (run as root, or lower net.ipv4.ip_unprivileged_port_start)`;
    }
    return undefined;
  },
  start: (plan, opts) => StartedInprocLab.start(plan, opts.pki),
};

/** Whether this process may bind 443 (root, or a lowered ip_unprivileged_port_start). */
function canBindPrivilegedPorts(): boolean {
  if (process.getuid?.() === 0) return true;
  try {
    return Number(fs.readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim()) <= 443;
  } catch {
    return false;
  }
}

/** An empty Windows host: for labs started from a bare network definition (tests, `lab up` helpers). */
export function bareHostPlan(): LabPlan['host'] {
  return { hives: {}, trust: ['cloud-root'], identities: {}, revocation: 'off', timeouts: LAB_TIMEOUTS, steps: [] };
}

/** A lab from a network definition alone (no host, no checks): what component tests start. */
export async function startInprocLab(def: LabDefinition, pki: LabPki): Promise<StartedInprocLab> {
  const network: LabNetworkPlan = compileNetworkPlan(def);
  return StartedInprocLab.start({ schema: 1, name: 'lab', ...network, host: bareHostPlan(), checks: [], requires: {} }, pki);
}
