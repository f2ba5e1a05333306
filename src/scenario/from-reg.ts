/**
 * Reproduce a customer's host as a scenario, from the `.reg` exports a support engineer asks
 * for (HKCU, LocalService's and LocalSystem's hives, HKLM's WinHTTP value):
 *
 *   exports ──▶ keep only the connection-settings keys, values byte-exact ──▶ <name>.<role>.reg
 *           ──▶ proxy names found in the blobs ──▶ lab forward proxy (+ DNS record), direct egress dropped
 *   options ──▶ allowlist, proxy authentication, SSL inspection (middlebox)
 *   scenario ──(optional run)──▶ expectations = what was observed, marked for review
 *
 * Why extract instead of copying whole exports: a full-hive export (which is fine as input;
 * the keys are found anywhere in it) also holds the customer's unrelated settings, sometimes
 * secrets; the scenario needs the blobs, byte for byte, and nothing else. Misspelt keys and
 * values (the 2018 procedure's `InternetSetting` / `DefaultConnectionSetting`) are kept too:
 * Windows ignores them on the host, and the reproduction must ignore them the same way.
 *
 * A file given for LocalService or LocalSystem that holds HKEY_CURRENT_USER keys was exported
 * while running as that identity (e.g. `psexec -s reg export HKCU ...`): its keys are moved to
 * the identity's own hive.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { DEFAULT_WORKSPACE } from './scenario-lab.js';
import type { Region } from '../catalog/index.js';
import { readInputFile } from '../input/read-input.js';
import { AtpNetlabError } from '../errors.js';
import { CONNECTIONS_SUBKEY, IDENTITY_INFO, type Identity } from '../identity.js';
import type { ForwardProxyDefinition } from '../lab/forward-proxy.js';
import type { MiddleboxDefinition, MiddleboxMode } from '../lab/middlebox.js';
import type { LabPki } from '../pki/index.js';
import type { ScenarioResult } from '../report/result-model.js';
import { findConnectionValues } from '../registry/connection-values.js';
import { tryParseKeyPath } from '../registry/key-path.js';
import { MemoryRegistryStore } from '../registry/memory-registry-store.js';
import { readRegFileBytes } from '../registry/reg-file-reader.js';
import type { RegFile, RegFileEntry, RegValueOp } from '../registry/reg-file.js';
import { encodeRegText, writeRegText } from '../registry/reg-file-writer.js';
import { decodeConnectionSettings, hasFlag, type ConnectionSettings } from '../wininet/connection-settings-blob.js';
import { parseProxyString } from '../wininet/proxy-string.js';
import { NO_VALUE_NOTE } from '../wininet/effective-settings.js';
import { PROXY_POLICY_KEY, readWinInetState } from '../wininet/read-state.js';
import { parseScenarioText } from './load-scenario.js';
import { runScenario } from './run-scenario.js';
import type { Scenario } from './schema.js';
import { DEFAULT_IDENTITIES } from './expectations.js';

export type ExportRole = 'hkcu' | 'localservice' | 'localsystem' | 'winhttp';
export type ProxyAuthOption = 'none' | 'basic' | '401' | '403';
export type InspectionOption = Extract<MiddleboxMode, 'intercept' | 'intercept-mutual' | 'splice'>;

export interface FromRegOptions {
  exports: Partial<Record<ExportRole, string>>;
  /** Scenario file to write; the extracted .reg files go next to it. */
  out: string;
  proxyAllow?: string[];
  proxyAuth?: ProxyAuthOption;
  inspection?: InspectionOption;
  /** Direct egress; default drop when a proxy was found (the proxy is the only way out), else allow. */
  direct?: 'allow' | 'drop';
  workspace?: string;
  region?: Region;
}

export interface ExtractedReg {
  role: ExportRole;
  source: string;
  /** Where it is written (next to the scenario). */
  file: string;
  bytes: Uint8Array;
  doc: RegFile;
}

export interface GeneratedScenario {
  scenario: Scenario;
  /** The YAML as written (comments included). */
  yaml: string;
  regFiles: ExtractedReg[];
  /** Things the engineer must know: misspellings, rebased keys, what could not be reproduced. */
  notes: string[];
  /** One line per identity: what its settings are. */
  identities: string[];
  /** The scenario without `expect`, and the inputs' summary, to render it again with observations. */
  body: Record<string, unknown>;
  sources: string;
  /** Proxy hosts named in the exports: the lab built them, nobody observed them. */
  inferredHosts: string[];
}

const ROLE_IDENTITY: Record<ExportRole, Identity | undefined> = { hkcu: 'CurrentUser', localservice: 'LocalService', localsystem: 'LocalSystem', winhttp: undefined };
const CONNECTIONS_LIKE = /\\internet ?settings?\\connections?$/i;
const CONNECTION_VALUE_LIKE = /^(defaultconnectionsettings?|savedlegacysettings?|winhttpsettings?)$/i;
/** The lab's stand-in credentials: what the administrator's browser answers a challenge with. */
const LAB_PROXY_CREDENTIALS = { username: 'CONTOSO\\admin', password: 'lab-only' };

function usage(message: string, field?: string): AtpNetlabError {
  return new AtpNetlabError('ATPNL_USAGE', message, field ? { field } : {});
}

/** Kebab-case scenario name from the output file name. */
export function scenarioNameFor(out: string): string {
  const base = path.basename(out).replace(/\.ya?ml$/i, '');
  const name = base.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (!name) throw usage(`cannot make a scenario name from ${JSON.stringify(out)}`, 'out');
  return name;
}

function rebase(p: string, role: ExportRole): string {
  const identity = ROLE_IDENTITY[role];
  const k = tryParseKeyPath(p);
  if (!identity || identity === 'CurrentUser' || !k || k.hive !== 'HKEY_CURRENT_USER') return p;
  return `HKEY_USERS\\${IDENTITY_INFO[identity].sid}${k.subkey ? `\\${k.subkey}` : ''}`;
}

/** The connection-settings keys (and the per-machine policy value) of one export, values untouched. */
export function extractConnectionKeys(doc: RegFile, role: ExportRole): { doc: RegFile; rebased: boolean } {
  const entries: RegFileEntry[] = [];
  let rebased = false;
  for (const e of doc.entries) {
    if (e.kind !== 'key') continue;
    let values: RegValueOp[] | undefined;
    if (CONNECTIONS_LIKE.test(e.path)) values = e.values;
    else if (e.path.toLowerCase() === PROXY_POLICY_KEY.toLowerCase()) values = e.values.filter((v) => v.name.toLowerCase() === 'proxysettingsperuser');
    if (!values || values.length === 0) continue;
    const target = rebase(e.path, role);
    if (target !== e.path) rebased = true;
    entries.push({ kind: 'key', path: target, values: values.map((v) => ({ name: v.name, value: v.value })) });
  }
  return { doc: { format: 'regedit5', entries }, rebased };
}

interface FoundProxy {
  host: string;
  ports: Set<number>;
  /** The port an https URL would use (what the sensor needs), when some entry covers https. */
  httpsPort?: number;
  seenIn: Set<string>;
}

function decodeQuietly(bytes: Uint8Array, name: string): ConnectionSettings | undefined {
  try {
    const canonical = name.toLowerCase().startsWith('winhttp') ? 'WinHttpSettings' : 'DefaultConnectionSettings';
    return decodeConnectionSettings(bytes, canonical);
  } catch {
    return undefined;
  }
}

function componentName(host: string, taken: Set<string>): string {
  const ipv4 = /^\d+\.\d+\.\d+\.\d+$/.test(host);
  const base = (ipv4 || host.includes(':') ? `proxy-${host}` : host.split('.')[0]!).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'proxy';
  let name = /^[a-z0-9]/.test(base) ? base : `proxy-${base}`;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}

function describeSettings(s: ConnectionSettings | null | undefined): string {
  if (!s) return 'no settings (direct)';
  const parts: string[] = [];
  if (hasFlag(s.flags, 'PROXY') && s.proxyServer) parts.push(`proxy ${s.proxyServer}${s.bypassList ? ` (bypass ${s.bypassList})` : ''}`);
  if (s.format === 'wininet' && hasFlag(s.flags, 'AUTO_PROXY_URL') && s.autoConfigUrl) parts.push(`PAC ${s.autoConfigUrl}`);
  if (s.format === 'wininet' && hasFlag(s.flags, 'AUTO_DETECT')) parts.push('auto-detect (WPAD)');
  return parts.length ? parts.join(', ') : 'direct';
}

/** Reads the exports and builds the scenario (nothing is written). */
export async function buildScenarioFromReg(o: FromRegOptions): Promise<GeneratedScenario> {
  const roles = (Object.keys(o.exports) as ExportRole[]).filter((r) => o.exports[r] !== undefined);
  if (roles.length === 0) throw usage('give at least one export: --hkcu, --localservice, --localsystem or --winhttp', 'hkcu');
  const name = scenarioNameFor(o.out);
  const outDir = path.dirname(o.out);
  const notes: string[] = [];
  const regFiles: ExtractedReg[] = [];
  const merged: RegFileEntry[] = [];

  for (const role of roles) {
    const source = o.exports[role]!;
    const bytes = await readInputFile(source, 'reg');
    const doc = readRegFileBytes(bytes, { file: source });
    for (const h of findConnectionValues(doc).hints) notes.push(`${source}${h.line !== undefined ? `:${h.line}` : ''}: ${h.message} (kept as is: Windows ignores it, so does the scenario)`);
    const extracted = extractConnectionKeys(doc, role);
    if (extracted.rebased) notes.push(`${source}: HKEY_CURRENT_USER keys moved to ${IDENTITY_INFO[ROLE_IDENTITY[role]!].hive} (the file was exported as ${ROLE_IDENTITY[role]})`);
    if (extracted.doc.entries.length === 0) {
      notes.push(`${source}: no "...\\Internet Settings\\Connections" key: ${role === 'winhttp' ? 'no WinHTTP setting' : `${ROLE_IDENTITY[role]} has no WinINET settings`} (as on the host)`);
      continue;
    }
    const text = writeRegText(extracted.doc).replace(
      /^(Windows Registry Editor Version 5\.00\r\n)/,
      `$1; extracted by atp-netlab scenario from-reg from ${path.basename(source)} (${role}): connection-settings keys only, values byte-exact\r\n`,
    );
    regFiles.push({ role, source, file: path.join(outDir, `${name}.${role}.reg`), bytes: encodeRegText(text, 'regedit5'), doc: extracted.doc });
    merged.push(...extracted.doc.entries);
  }

  for (const role of ['hkcu', 'localservice', 'localsystem'] as const) {
    const id = ROLE_IDENTITY[role]!;
    if (o.exports[role] === undefined) {
      notes.push(`no --${role} export: ${id} is modelled with no settings of its own (export ${IDENTITY_INFO[id].hive}\\${CONNECTIONS_SUBKEY} to be sure)`);
    }
  }

  // What the host's identities use, read back as the runner will read it.
  const store = MemoryRegistryStore.fromRegFile({ format: 'regedit5', entries: merged });
  const identities: string[] = [];
  let winhttpSeen: ConnectionSettings | null | undefined;
  for (const id of DEFAULT_IDENTITIES) {
    const state = await readWinInetState(store, id);
    identities.push(`${id}: ${state.noValue ? NO_VALUE_NOTE : describeSettings(state.wininet)}${state.scope === 'machine' ? ' (machine-wide: ProxySettingsPerUser=0)' : ''}`);
    winhttpSeen = state.winhttp;
  }
  if (winhttpSeen) identities.push(`WinHTTP: ${describeSettings(winhttpSeen)}`);

  // Every proxy any blob names (misspelt values included: they name the customer's proxy too).
  const found = new Map<string, FoundProxy>();
  for (const e of merged) {
    if (e.kind !== 'key') continue;
    for (const v of e.values) {
      if (!v.value || !CONNECTION_VALUE_LIKE.test(v.name) || !('data' in v.value) || !(v.value.data instanceof Uint8Array)) continue;
      const s = decodeQuietly(v.value.data, v.name);
      if (!s) {
        notes.push(`${e.path}\\${v.name} is not a connection-settings blob the decoder understands; it is kept byte-exact`);
        continue;
      }
      if (s.format === 'wininet' && hasFlag(s.flags, 'AUTO_PROXY_URL') && s.autoConfigUrl.trim()) {
        notes.push(`${v.name} under ${e.path} names a PAC script (${s.autoConfigUrl.trim()}) that the lab does not have: add a network.pacServers entry serving it, or the route fails with ROUTE_PAC_UNAVAILABLE`);
      }
      if (!hasFlag(s.flags, 'PROXY') || !s.proxyServer.trim()) continue;
      const ps = parseProxyString(s.proxyServer);
      const entries: [string, { host: string; port: number }][] = [
        ...(ps.all ? ([['*', ps.all]] as [string, { host: string; port: number }][]) : []),
        ...[...ps.perScheme.entries()].filter(([scheme]) => scheme !== 'socks'),
      ];
      for (const [scheme, hp] of entries) {
        const key = hp.host.toLowerCase();
        const p = found.get(key) ?? { host: hp.host, ports: new Set<number>(), seenIn: new Set<string>() };
        p.ports.add(hp.port);
        if ((scheme === 'https' || (scheme === '*' && !ps.perScheme.has('https'))) && p.httpsPort === undefined) p.httpsPort = hp.port;
        p.seenIn.add(v.name);
        found.set(key, p);
      }
    }
  }

  const taken = new Set<string>(['inspection']);
  const proxies: ForwardProxyDefinition[] = [];
  const records: Record<string, string> = {};
  let domain: string | undefined;
  const auth = o.proxyAuth ?? 'none';
  for (const p of found.values()) {
    const isIp = /^\d+\.\d+\.\d+\.\d+$/.test(p.host) || p.host.includes(':');
    if (!isIp && p.host.includes('.') && domain === undefined) domain = p.host.split('.').slice(1).join('.').toLowerCase();
    const name = componentName(p.host, taken);
    const port = p.httpsPort ?? [...p.ports][0]!;
    if (p.ports.size > 1) notes.push(`proxy ${p.host} appears with ports ${[...p.ports].join(', ')}: the lab proxy listens on ${port} only (the port https URLs use)`);
    proxies.push({
      name,
      inferred: `named by ${[...p.seenIn].sort().join(', ')} in the registry exports as ${p.host}:${port}`,
      ...(port !== 8080 ? { port } : {}),
      ...(o.proxyAllow?.length ? { allow: o.proxyAllow } : {}),
      ...(auth !== 'none' ? { auth: auth === '403' ? '403-with-challenge' : auth, credentials: LAB_PROXY_CREDENTIALS } : {}),
      ...(o.inspection ? { upstream: 'inspection' } : {}),
    });
    const lower = p.host.toLowerCase();
    if (lower !== name && lower !== `${name}.${domain ?? 'contoso.example'}`) records[lower] = name;
  }
  if (proxies.length === 0) notes.push('no proxy is named in any export: the lab has no proxy' + (o.direct === 'drop' ? ' and direct egress is dropped' : ', and direct egress is allowed (use --direct drop to model a closed firewall)'));

  const direct = o.direct ?? (proxies.length ? 'drop' : 'allow');
  // Whether the host trusts the middlebox's CA is a fact of the host (host.trust), not of the middlebox.
  const middleboxes: Pick<MiddleboxDefinition, 'name' | 'mode'>[] = o.inspection ? [{ name: 'inspection', mode: o.inspection }] : [];
  const transparent = o.inspection && proxies.length === 0 ? { middlebox: 'inspection' } : undefined;
  if (transparent) notes.push('no proxy to chain the inspecting middlebox to: it sits behind a transparent proxy instead');

  const network = {
    ...(domain ? { domain } : {}),
    firewall: { default: direct, rules: direct === 'drop' ? proxies.map((p) => ({ to: p.name, port: p.port ?? 8080, action: 'allow' as const })) : [] },
    ...(proxies.length ? { proxies } : {}),
    ...(middleboxes.length ? { middleboxes } : {}),
    ...(transparent ? { transparentProxy: transparent } : {}),
    ...(Object.keys(records).length ? { dns: { records } } : {}),
  };
  const host = {
    reg: regFiles.map((r) => path.basename(r.file)),
    ...(auth !== 'none' ? { identities: { CurrentUser: { proxyCredentials: LAB_PROXY_CREDENTIALS } } } : {}),
    ...(o.inspection ? { trust: ['cloud-root', 'middlebox-ca'] } : {}),
  };
  const sources = roles.map((r) => `${r} ${path.basename(o.exports[r]!)}`).join(', ');
  const description =
    `Reproduces a customer's host from its registry exports (${sources}). ${identities.join('; ')}. ` +
    `The network is inferred, not observed: ${proxies.length ? `forward prox${proxies.length > 1 ? 'ies' : 'y'} ${[...found.values()].map((p) => p.host).join(', ')}` : 'no proxy'}` +
    `${o.proxyAllow?.length ? ` allowing ${o.proxyAllow.join(', ')}` : ''}${auth !== 'none' ? `, authentication ${auth}` : ''}` +
    `${o.inspection ? `, SSL inspection ${o.inspection}` : ''}, direct egress ${direct === 'drop' ? 'dropped' : 'allowed'}.`;

  const body = {
    name,
    description,
    workspace: o.workspace ?? DEFAULT_WORKSPACE,
    ...(o.region ? { region: o.region } : {}),
    network,
    host,
  };
  const goal = [{ identities: 'all' as const, reachable: true }];
  const inferredHosts = [...found.values()].map((p) => p.host);
  const yaml = renderYaml(body, goal, { sources, observed: false });
  const scenario = parseScenarioText(yaml, o.out);
  return { scenario, yaml, regFiles, notes, identities, body, sources, inferredHosts };
}

type ExpectEntry = {
  identities: 'all' | Identity[];
  hosts?: string[];
  reachable: boolean;
  step?: string;
  code?: string;
  route?: string;
  routeSource?: string;
  confirm?: string;
};

/**
 * The inferred proxy a route goes through, if any. WinINET route strings name the proxy as
 * `PROXY host:port` (several, `;`-separated, for a PAC failover list).
 */
function inferredProxyOn(route: string, inferredHosts: readonly string[]): string | undefined {
  const named = [...route.matchAll(/PROXY\s+([^\s:;]+)/gi)].map((m) => m[1]!.toLowerCase());
  return inferredHosts.find((h) => named.includes(h.toLowerCase()));
}

function renderYaml(body: Record<string, unknown>, expect: ExpectEntry[], meta: { sources: string; observed: boolean }): string {
  const header =
    `# Generated by atp-netlab scenario from-reg from ${meta.sources}.\n` +
    '# host.reg files hold the customer\'s connection-settings values byte for byte; the network is inferred from the proxy names in them.\n';
  const expectComment = meta.observed
    ? '# observed on generation; review: these expectations record what the lab showed, not what should happen.\n'
    : '# goal, not an observation: every identity should reach every host. `atp-netlab run` shows where this host falls short\n' +
      '# (or regenerate with --run to record the observed outcome instead).\n';
  return header + stringify(body, { lineWidth: 0 }) + expectComment + stringify({ expect }, { lineWidth: 0 });
}

/** Observations → the fewest expectation entries that state them (identities with equal outcomes merged). */
export function expectationsFromResult(result: ScenarioResult, inferredHosts: readonly string[] = []): ExpectEntry[] {
  const perIdentity = new Map<Identity, Map<string, string[]>>();
  const outcomes = new Map<string, Omit<ExpectEntry, 'identities' | 'hosts'>>();
  for (const c of result.checks) {
    const o = c.observed;
    const e = {
      reachable: o.reachable,
      ...(o.reachable ? {} : { step: o.step }),
      code: o.code,
      route: o.route,
      ...(o.routeSource ? { routeSource: o.routeSource } : {}),
    };
    // A success through a proxy the lab only inferred proves the lab's copy works, not the
    // customer's proxy (a retired one passes here too): the expectation says so.
    const via = o.reachable ? inferredProxyOn(o.route, inferredHosts) : undefined;
    if (via) Object.assign(e, { confirm: `observe and confirm: ${via} is inferred from the registry, not observed; confirm on the customer's host that it is in service and allows this` });
    const key = JSON.stringify(e);
    outcomes.set(key, e);
    const byOutcome = perIdentity.get(c.identity as Identity) ?? new Map<string, string[]>();
    byOutcome.set(key, [...(byOutcome.get(key) ?? []), c.host]);
    perIdentity.set(c.identity as Identity, byOutcome);
  }
  // identity → one signature over its hosts; identities with equal signatures share entries.
  const groups = new Map<string, { identities: Identity[]; byOutcome: Map<string, string[]> }>();
  for (const [id, byOutcome] of perIdentity) {
    const sig = JSON.stringify([...byOutcome.entries()].map(([k, hosts]) => [k, [...hosts].sort()]).sort());
    const g = groups.get(sig) ?? { identities: [], byOutcome };
    g.identities.push(id);
    groups.set(sig, g);
  }
  const out: ExpectEntry[] = [];
  for (const g of groups.values()) {
    const identities = g.identities.length === DEFAULT_IDENTITIES.length ? ('all' as const) : g.identities;
    const single = g.byOutcome.size === 1;
    for (const [key, hosts] of g.byOutcome) out.push({ identities, ...(single ? {} : { hosts: [...hosts].sort() }), ...outcomes.get(key)! });
  }
  return out;
}

export interface WriteFromRegOptions {
  /** Run the scenario in the lab and record what it shows as the expectations. */
  run?: boolean;
  pki?: LabPki;
  /** Overwrite existing files. */
  force?: boolean;
}

export interface WrittenScenario extends GeneratedScenario {
  files: string[];
  result?: ScenarioResult;
}

export async function writeScenarioFromReg(o: FromRegOptions, w: WriteFromRegOptions = {}): Promise<WrittenScenario> {
  const gen = await buildScenarioFromReg(o);
  const targets = [o.out, ...gen.regFiles.map((r) => r.file)];
  if (!w.force) {
    for (const t of targets) {
      const exists = await fs.stat(t).then(() => true, () => false);
      if (exists) throw usage(`${t} exists (use --force to overwrite)`, 'out');
    }
  }
  await fs.mkdir(path.dirname(path.resolve(o.out)), { recursive: true });
  for (const r of gen.regFiles) await fs.writeFile(r.file, r.bytes);
  let yaml = gen.yaml;
  let scenario = gen.scenario;
  let result: ScenarioResult | undefined;
  if (w.run) {
    if (!w.pki) throw usage('running the scenario needs the lab PKI', 'run');
    result = await runScenario({ scenario: gen.scenario, file: o.out, dir: path.dirname(o.out) }, w.pki);
    if (result.error) throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', `the generated scenario did not run: ${result.error}`, { file: o.out });
    yaml = renderYaml(gen.body, expectationsFromResult(result, gen.inferredHosts), { sources: gen.sources, observed: true });
    scenario = parseScenarioText(yaml, o.out);
  }
  await fs.writeFile(o.out, yaml);
  return { ...gen, yaml, scenario, files: targets, ...(result ? { result } : {}) };
}
