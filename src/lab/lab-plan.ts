/**
 * The lab plan: everything an engine needs to build a scenario's network, as plain,
 * serializable data (`atp-netlab plan FILE --json` prints it). No addresses appear here,
 * only names, roles and address slots: each engine maps a slot to an address of its own
 * (in process: 127.77.B.<slot>; in containers: an address of the engine's internal network).
 *
 *   LabDefinition (what the network is, from a scenario or a test)
 *        │ compileNetworkPlan: kinds validated by their own schemas, names checked,
 *        │ slots allocated without overlap, DNS table, firewall rules, diversions
 *        ▼
 *   LabNetworkPlan ──+ host (hives, trust, identities) + checks──▶ LabPlan ──▶ Engine.start
 */
import type { SensorGenerationId } from '../catalog/ping-answers.js';
import type { MatrixMethod } from '../probe/matrix-methods.js';
import { AtpNetlabError } from '../errors.js';
import { matchesPattern } from '../host-pattern.js';
import type { Identity } from '../identity.js';
import type { ProbeTimeouts } from '../probe/check-url.js';
import { MAX_FAULTS, explainFault, parseFaultDefinition, type PlannedFault } from './faults/index.js';
import type { FirewallDefinition } from './firewall-definition.js';
import { componentKind } from './kinds/index.js';
import type { LabDefinition } from './lab-definition.js';

/** Slot 1 is the Windows host; 253 and 254 are the engine's (reject sink, block sentinel). */
export const HOST_SLOT = 1;
export const FIRST_COMPONENT_SLOT = 2;
export const LAST_COMPONENT_SLOT = 252;
export const MAX_COMPONENTS = LAST_COMPONENT_SLOT - FIRST_COMPONENT_SLOT + 1;
export const MAX_CLOUD_ENDPOINTS = 140;
export const MAX_MIDDLEBOXES = 10;
/** Lab deadlines: short, because every component is on loopback; a dropped packet costs tcpMs. */
export const LAB_TIMEOUTS: ProbeTimeouts = { tcpMs: 150, proxyMs: 3_000, tlsMs: 3_000, httpMs: 3_000, totalMs: 8_000 };

export interface PlannedComponent {
  /** Unique in the plan: `corp-proxy`, `cloud:<host>`, `wpad`, … */
  name: string;
  /** A registered component kind (lab/kinds). */
  type: string;
  /** What the component is for in this lab, in one word (`cloud`, `proxy`, `wpad`, `revocation`, …). */
  role: string;
  /** Address slot; the engine turns it into an address. */
  slot: number;
  /** The port the component serves, as the plan names it. */
  port: number;
  /** The definition, valid against the kind's schema. */
  definition: Record<string, unknown>;
}

export interface PlannedName {
  name: string;
  /** The component the name answers with, or a loopback literal (a scenario's DNS record). */
  component?: string;
  address?: string;
}

export interface PlannedDiversion {
  /** Components whose address:port the network diverts (cloud endpoints). */
  from: string[];
  port: number;
  /** The component that receives the diverted connections. */
  to: string;
}

export interface LabNetworkPlan {
  /** The host's DNS suffix: bare lab names resolve under it. */
  domain: string;
  components: PlannedComponent[];
  /** The lab DNS table, in registration order: the lab DNS answers these names and nothing else. */
  dns: PlannedName[];
  firewall: FirewallDefinition;
  diversions: PlannedDiversion[];
  /** Faults on the plan's links (lab/faults), in the order the scenario lists them. */
  faults?: PlannedFault[];
}

export type TrustRole = 'cloud-root' | 'middlebox-ca';
export type ClientCertRole = 'enrolled' | 'unenrolled' | 'none';

export interface HostPlan {
  /** The sensor generation the host runs (catalog/sensor-generations.ts); absent: v2-wininet. */
  sensor?: SensorGenerationId;
  /**
   * The v2 sensor's own proxy (SensorConfiguration.json), with the credentials the sensor holds.
   * No `proxy`: the file names none and the sensor falls back to WinINET.
   */
  sensorProxy?: { proxy?: { host: string; port: number }; proxyUrl?: string; credentials?: { username: string; password: string }; notes: string[] };
  /** Host prerequisites to check (step `host`); absent: none checked. */
  prerequisites?: {
    updater: 'running' | 'stopped';
    updaterPortFirewall: 'allow' | 'drop';
    dotnetTls: boolean;
    machineRoots?: string[];
    cloud: 'commercial' | 'gcc' | 'gcc-high';
  };
  /** The host registry after the admin steps: hive file name → `.reg` text (regedit 5). */
  hives: Record<string, string>;
  trust: TrustRole[];
  /**
   * What `middlebox-ca` in `trust` stands for when a middlebox signs with a customer's CA
   * (`inspectionCa`): those CA files' certificates, and the lab's middlebox CA when another
   * middlebox uses it (`lab`). Absent: the lab's middlebox CA only.
   */
  middleboxCa?: { customerPems: string[]; lab: boolean };
  identities: Partial<Record<Identity, { clientCert: ClientCertRole; proxyCredentials?: { username: string; password: string } }>>;
  revocation: 'off' | 'warn' | 'enforce';
  timeouts: ProbeTimeouts;
  /** What each admin step did, for the report. */
  steps: string[];
  /** Inputs of the proxy-method matrix (checks with a method). */
  matrix?: { namedProxy?: string };
}

export interface PlanCheck {
  identity: Identity;
  host: string;
  url: string;
  check: 'full' | 'ping';
  /** probe --matrix: check under this proxy method instead of the identity's route. */
  method?: MatrixMethod;
  /** The round the check runs in (absent: 1): every check of a round finishes before the next starts. */
  attempt?: number;
}

export interface LabPlan extends LabNetworkPlan {
  schema: 1;
  name: string;
  host: HostPlan;
  checks: PlanCheck[];
  /** What the scenario says it needs from an engine. */
  requires: { engines?: string[]; kinds?: string[] };
}

function invalid(message: string, field: string): AtpNetlabError {
  return new AtpNetlabError('ATPNL_SCENARIO_INVALID', message, { field });
}

/** Sans-IO: validate a lab definition and lay it out as a network plan. */
export function compileNetworkPlan(def: LabDefinition): LabNetworkPlan {
  const cloudHosts = def.cloud.hosts;
  if (cloudHosts.length > MAX_CLOUD_ENDPOINTS) throw invalid(`a lab holds at most ${MAX_CLOUD_ENDPOINTS} cloud endpoints (got ${cloudHosts.length})`, 'cloudEndpoints');
  const middleboxes = def.middleboxes ?? [];
  if (middleboxes.length > MAX_MIDDLEBOXES) throw invalid(`a lab holds at most ${MAX_MIDDLEBOXES} middleboxes (got ${middleboxes.length})`, 'network.middleboxes');

  const components: PlannedComponent[] = [];
  const names = new Set<string>(['windows-host']);
  const add = (type: string, role: string, definition: Record<string, unknown>, name: string, field: string) => {
    if (names.has(name)) throw invalid(`component name "${name}" is used twice`, field);
    names.add(name);
    const kind = componentKind(type);
    if (!kind) throw invalid(`unknown component kind "${type}"`, field);
    const parsed = kind.schema.safeParse(definition);
    if (!parsed.success) throw invalid(`${name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(definition)'}: ${i.message}`).join('; ')}`, field);
    const slot = FIRST_COMPONENT_SLOT + components.length;
    if (slot > LAST_COMPONENT_SLOT) throw invalid(`a lab holds at most ${MAX_COMPONENTS} components (cloud endpoints, proxies, middleboxes, PAC servers and the transparent proxy together)`, field);
    components.push({ name, type, role, slot, port: kind.port(parsed.data), definition: parsed.data as Record<string, unknown> });
  };
  for (const h of cloudHosts) add('cloud-endpoint', 'cloud', { ...h }, `cloud:${h.host.toLowerCase()}`, 'cloudEndpoints');
  for (const m of middleboxes) add(m.implementation && m.implementation !== 'lab' ? m.implementation : 'middlebox', 'middlebox', { ...m }, m.name, `network.middleboxes.${m.name}`);
  for (const p of def.proxies) add(p.implementation && p.implementation !== 'lab' ? p.implementation : 'forward-proxy', 'proxy', { ...p }, p.name, `network.proxies.${p.name}`);
  for (const w of def.pacServers ?? []) add('pac-server', w.name === 'wpad' ? 'wpad' : w.name === 'revocation' ? 'revocation' : 'pac', { ...w }, w.name, `network.pacServers.${w.name}`);
  const t = def.transparentProxy;
  if (t) add('transparent-proxy', 'transparent-proxy', { ...t }, t.name ?? 'transparent-proxy', 'network.transparentProxy');

  checkReferences(def);

  // The lab DNS table, in the order names were registered before the seam (cloud hosts,
  // middleboxes, proxies, PAC servers): the first name of an address is its reverse name.
  const dns: PlannedName[] = [];
  const seen = new Map<string, number>();
  const register = (name: string, to: { component?: string; address?: string }) => {
    const n = name.toLowerCase().replace(/\.$/, '');
    const entry = { name: n, ...to };
    const at = seen.get(n);
    if (at === undefined) {
      seen.set(n, dns.length);
      dns.push(entry);
    } else dns[at] = entry;
  };
  for (const c of components) {
    if (c.type === 'transparent-proxy') continue;
    const own = c.type === 'cloud-endpoint' ? [] : [c.name, `${c.name}.${def.domain}`];
    for (const n of [...own, ...(componentKind(c.type)!.dnsNames?.(c.definition) ?? [])]) register(n, { component: c.name });
  }
  for (const [name, target] of Object.entries(def.dns?.records ?? {})) {
    const byName = components.find((c) => c.type !== 'cloud-endpoint' && c.name === target) ?? components.find((c) => c.type === 'cloud-endpoint' && (c.definition as { host: string }).host.toLowerCase() === target.toLowerCase());
    if (byName) register(name, { component: byName.name });
    else if (isLoopbackLiteral(target)) register(name, { address: target });
    else {
      // The lab only ever sends packets to this machine: a record may point at a lab component
      // or a loopback literal, never at another network, and never at a name to look up.
      throw invalid(`DNS record ${name} → ${target}: not a lab component or a loopback address (the lab never sends traffic off this machine)`, `network.dns.records.${name}`);
    }
  }
  const removed = new Set((def.dns?.remove ?? []).flatMap((n) => [n.toLowerCase(), `${n}.${def.domain}`.toLowerCase()]));
  const table = dns.filter((e) => !removed.has(e.name));

  const diversions: PlannedDiversion[] = [];
  if (t) {
    const patterns = t.divert ?? ['*'];
    const from = components.filter((c) => c.type === 'cloud-endpoint' && patterns.some((p) => matchesPattern(p, (c.definition as { host: string }).host))).map((c) => c.name);
    diversions.push({ from, port: 443, to: t.name ?? 'transparent-proxy' });
  }
  const faults = compileFaults(def, components);
  return { domain: def.domain, components, dns: table, firewall: def.firewall, diversions, ...(faults.length ? { faults } : {}) };
}

/** Each fault valid against its type's schema, on a link whose ends name something in the lab. */
function compileFaults(def: LabDefinition, components: PlannedComponent[]): PlannedFault[] {
  const defs = def.faults ?? [];
  if (defs.length > MAX_FAULTS) throw invalid(`a lab holds at most ${MAX_FAULTS} faults (got ${defs.length})`, 'faults');
  const faults: PlannedFault[] = [];
  defs.forEach((d, i) => faults.push(parseFaultDefinition(d, components, faults, `faults.${i}`)));
  return faults;
}

function checkReferences(def: LabDefinition): void {
  const proxies = new Map(def.proxies.map((p) => [p.name, p]));
  const middleboxes = new Set((def.middleboxes ?? []).map((m) => m.name));
  for (const p of def.proxies) {
    if (p.upstream && !proxies.has(p.upstream) && !middleboxes.has(p.upstream)) {
      throw invalid(`proxy ${p.name} chains to unknown upstream "${p.upstream}"`, `network.proxies.${p.name}.upstream`);
    }
    // A chain that comes back to itself would CONNECT in a circle until the sockets run out.
    const seen = new Set<string>([p.name]);
    let next = p.upstream;
    while (next && proxies.has(next)) {
      if (seen.has(next)) throw invalid(`proxy chain loops: ${[...seen, next].join(' → ')}`, `network.proxies.${p.name}.upstream`);
      seen.add(next);
      next = proxies.get(next)!.upstream;
    }
  }
  const mb = def.transparentProxy?.middlebox;
  if (mb && !middleboxes.has(mb)) throw invalid(`transparent proxy hands to unknown middlebox "${mb}"`, 'network.transparentProxy.middlebox');
}

/** A loopback literal (never a name: nothing here may reach a resolver). */
export function isLoopbackLiteral(a: string): boolean {
  return /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(a) ? a.split('.').every((o) => Number(o) <= 255) : a === '::1';
}

/** In words, for reports and `plan`: what each component does, then the cloud. */
export function explainNetworkPlan(plan: LabNetworkPlan): string {
  const lines: string[] = [];
  lines.push(`DNS suffix ${plan.domain}; the lab DNS answers only lab names.`);
  const fw = plan.firewall;
  lines.push(`Host egress firewall: default ${fw.default}${fw.rules.length ? `; rules: ${fw.rules.map((r) => `${r.action} ${r.to}${r.port ? ':' + r.port : ''}`).join(', ')}` : ''}.`);
  const order = ['forward-proxy', 'pac-server', 'middlebox', 'transparent-proxy'];
  for (const type of order) for (const c of plan.components.filter((x) => x.type === type)) lines.push(componentKind(c.type)!.explain(c.definition));
  for (const c of plan.components.filter((x) => !order.includes(x.type) && x.type !== 'cloud-endpoint')) lines.push(componentKind(c.type)!.explain(c.definition));
  for (const f of plan.faults ?? []) lines.push(`Fault: ${explainFault(f)}`);
  const cloud = plan.components.filter((c) => c.type === 'cloud-endpoint');
  lines.push(`Cloud: ${cloud.length} sensorapi endpoint(s) on port 443 (TLS 1.2+, client certificate requested).`);
  for (const c of cloud) {
    const text = componentKind(c.type)!.explain(c.definition);
    const quirks = /: (.*)\.$/.exec(text)?.[1];
    if (quirks) lines.push(`  ${(c.definition as { host: string }).host}: ${quirks}`);
  }
  return lines.join('\n');
}
