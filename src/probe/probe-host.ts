/**
 * Real mode: one host's check against the real network, with the very code the lab runs.
 *
 *   identity settings (.reg export │ --proxy │ --pac │ SensorConfiguration.json │ live registry │ none)
 *        └─▶ route per URL (resolveRoute / the sensor's own proxy)
 *              └─▶ checkUrl for each required sensorapi host (ping; + authenticated call if asked)
 *
 * Trust is the host's: node's bundled roots plus any extra CA files. Names resolve through the
 * system resolver unless pinned (hosts-file lines or `host:addr`), which is how a lab
 * rehearsal points the real probe at a running `lab up` without touching /etc/hosts.
 * Never imports the lab: this module must not know whether it is being tested.
 */
import net from 'node:net';
import tls from 'node:tls';
import { isMdeGeo, MDE_GEOS, mdeConnectivityTestHosts, probeTrustAnchors, SENSOR_GENERATIONS, sensorApiHosts, type Cloud, type Edition, type Region, type SensorGenerationId } from '../catalog/index.js';
import { AtpNetlabError } from '../errors.js';
import { readInputFile, readInputText, type InputKind } from '../input/read-input.js';
import { canAnswerProxyChallenge, IDENTITY_INFO, type Identity } from '../identity.js';
import { findConnectionValues } from '../registry/connection-values.js';
import { keyPathEquals } from '../registry/key-path.js';
import { MemoryRegistryStore } from '../registry/memory-registry-store.js';
import { readRegFileBytes } from '../registry/reg-file-reader.js';
import type { RegistryStore } from '../registry/registry-store.js';
import { WindowsRegistryStore } from '../registry/windows-registry-store.js';
import type { RouteResult } from '../route.js';
import { realTransport, type NetTransport } from '../transport.js';
import { VERSION } from '../version.js';
import { parseHostPort } from '../wininet/host-port.js';
import { effectiveSettings, type WinInetState } from '../wininet/effective-settings.js';
import { encodeSettings } from '../wininet/connection-settings-blob.js';
import { PacRuntime } from '../wininet/pac-runtime.js';
import { identityConnectionsKey, readWinInetState } from '../wininet/read-state.js';
import { resolveRoute, type RouteContext } from '../wininet/resolve-route.js';
import { readWinHttpRouteState, resolveWinHttpRoute, type WinHttpRouteState } from '../wininet/winhttp-route.js';
import { REAL_CLOUD_ROOTS } from './chain-analysis.js';
import type { RevocationCheck } from './check-revocation.js';
import { applyRevocationPolicy, checkRevocationHosts, type RevocationMode } from './revocation-policy.js';
import { checkUrl, REAL_TIMEOUTS, type ProbeTimeouts } from './check-url.js';
import type { ProbeOutcome } from './outcome.js';
import { clockSkewOn, runRealHostChecks, summariseClock, type HostChecksMode, type HostChecksReport } from './host/real-host-checks.js';
import { readProxyCredentialsFile } from './proxy-credentials-file.js';
import { parseSensorConfig, sensorConfigRoute, type SensorConfig } from './sensor-config.js';
import type { ProxyLogCheck } from './outcome.js';
import { PROXY_LOG_DEFAULT_TOLERANCE_MS, proxyLogWarnings } from './proxy-log-reports.js';
import { readProxyLogReports } from './read-proxy-logs.js';

/** Where the identity's proxy settings come from. */
export type RouteSpec =
  | { kind: 'reg'; file: string }
  | { kind: 'proxy'; proxy: string }
  | { kind: 'pac'; url: string }
  | { kind: 'sensor-config'; file: string }
  /** The live Windows registry (reg.exe). */
  | { kind: 'live' }
  /** Nothing given: DIRECT, source `none`. */
  | { kind: 'none' }
  /** The caller decides the route per URL (probe --matrix: one proxy method, see matrix-methods.ts). */
  | {
      kind: 'resolver';
      settings: string;
      resolve: (url: string, ctx: RouteContext) => Promise<RouteResult>;
      notes?: string[];
      proxyCredentials?: { username: string; password: string };
    };

export interface ProbeHostOptions {
  /**
   * The sensor generation to check as (catalog/sensor-generations.ts). v3: the Defender for
   * Endpoint gateways of the region's geography, `/cnc/identity/api`, and WinHTTP's proxy
   * (TelemetryProxyServer, netsh winhttp, WPAD) read from --reg or the live registry.
   * Default: v2 with a sensor configuration, else v2-wininet.
   */
  sensor?: SensorGenerationId;
  workspace?: string;
  region?: Region;
  cloud?: Cloud;
  /** Catalogue editions; default: every edition when a region is given, else the workspace's host only. */
  editions?: Edition[];
  /** More hosts to check (the sensor configuration's endpoint is added automatically). */
  extraHosts?: string[];
  identity: Identity;
  /** Default: the live registry on Windows, else none. */
  route?: RouteSpec;
  /** Extra trusted CA files (PEM, one or more certificates each), added to node's roots. */
  caFiles?: string[];
  /** Subject CNs of roots that count as "the cloud's own chain", besides the real ones. */
  expectRoots?: string[];
  /** Hosts-file format: `addr name [name...]`, `#` comments. */
  hostsFile?: string;
  /** `host:addr` (or curl's `host:port:addr`), pinning one name. */
  resolve?: string[];
  /** DNS suffix search list (WPAD discovery, bare proxy names). */
  dnsSuffixes?: string[];
  clientCertFile?: string;
  clientKeyFile?: string;
  /**
   * The identity's proxy credentials from a private file (`user:password`, mode 0600;
   * proxy-credentials-file.ts), for whichever proxy its route picks: what an interactive
   * user's browser answers a 407 with. Only CurrentUser can answer a challenge (identity.ts).
   */
  proxyCredentialsFile?: string;
  /** Authenticated call after the ping (lab rehearsals: /tri/sensor/api/lab/authenticated). */
  authPath?: string;
  /** Deadline of one check; the step deadlines are capped by it. */
  timeoutMs?: number;
  /** The TCP connect deadline alone (a lab's firewall drop need not wait the real 21 s); capped by timeoutMs. */
  tcpTimeoutMs?: number;
  /**
   * Also fetch revocation data (crl.microsoft.com, ctldl.windowsupdate.com, www.microsoft.com/pki*)
   * over the identity's route. Default: `warn` on a plain real-mode run; `off` when names are
   * pinned (--hosts/--resolve: a lab rehearsal, whose lab may not serve them).
   */
  revocation?: RevocationMode;
  /**
   * Host prerequisite checks (src/probe/host/real-host-checks.ts): `auto` (default) runs them
   * on Windows or with a given registryStore, `on` runs what can run anywhere, `off` none.
   */
  hostChecks?: HostChecksMode;
  /**
   * .reg exports of the sensor host's HKLM (the .NET key, SystemCertificates...) for the registry
   * host checks, read off the host (`reg export` on the customer's machine).
   */
  hostRegFiles?: string[];
  /** The updater port to dial (default 444): rehearsals and tests only. */
  updaterPort?: number;
  /**
   * Proxies' own access logs (Squid native or the lab's format), read after each check's
   * attempt: a reset right after CONNECT that a log line inside the attempt's window calls a
   * denial is PROXY_DENIED, quoting the line (read-proxy-logs.ts).
   */
  proxyLogs?: string[];
  /** Allowance for the proxy's clock when matching log lines (default PROXY_LOG_DEFAULT_TOLERANCE_MS). */
  proxyLogToleranceMs?: number;
  /** Injected in tests. */
  transport?: NetTransport;
  registryStore?: RegistryStore;
  platform?: NodeJS.Platform;
  onProgress?: (line: string) => void;
}

export interface ProbeHostCheck {
  host: string;
  url: string;
  identity: Identity;
  observed: ProbeOutcome;
}

/** The `--json` document (schema 1, mode real). */
export interface ProbeHostReport {
  tool: 'atp-netlab';
  schema: 1;
  version: string;
  mode: 'real';
  identity: Identity;
  sensor: SensorGenerationId;
  workspace: string | null;
  region: string | null;
  /** What the route was read from, e.g. `reg export.reg`, `proxy proxy:8080`, `none`. */
  settings: string;
  notes: string[];
  /** The revocation hosts as this identity reaches them, when checked. */
  revocation: { mode: RevocationMode; checks: RevocationCheck[] } | null;
  /** The host prerequisites (optional member of schema 1: absent from reports of older versions). */
  host?: HostChecksReport;
  checks: ProbeHostCheck[];
}

function usage(message: string, field?: string): AtpNetlabError {
  return new AtpNetlabError('ATPNL_USAGE', message, field ? { field } : {});
}

/** Every input file goes through the bounded reader: regular files only, capped per kind. */
const READ_KIND: Record<string, InputKind> = { 'sensor configuration': 'sensor-config', 'CA file': 'certificate', 'hosts file': 'hosts-file' };

async function readText(file: string, what: string): Promise<string> {
  return readInputText(file, READ_KIND[what] ?? 'certificate');
}

/** Hosts-file text → name (lower case) → address. Later lines do not override earlier ones, as in /etc/hosts. */
export function parseHostsFile(text: string, file = '(hosts)'): Map<string, string> {
  const out = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const [addr, ...names] = line.split(/\s+/);
    if (!addr || !net.isIP(addr)) throw new AtpNetlabError('ATPNL_USAGE', `"${addr}" is not an IP address`, { file, line: i + 1 });
    if (names.length === 0) throw new AtpNetlabError('ATPNL_USAGE', `address ${addr} has no name after it`, { file, line: i + 1 });
    for (const n of names) if (!out.has(n.toLowerCase())) out.set(n.toLowerCase(), addr);
  });
  return out;
}

/** `host:addr`, or curl's `host:port:addr` (the port is ignored: a pin applies to every port). */
/**
 * `host:address` (or curl's `host:port:address`), or `host:address:port` where the last part
 * is the port that answers at that address instead of the URL's (a lab with mapped ports).
 */
export function parseResolveSpec(spec: string): [string, string, number?] {
  const mapped = /^([^:]+):(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(spec);
  if (mapped && net.isIPv4(mapped[2]!) && Number(mapped[3]) >= 1 && Number(mapped[3]) <= 65_535) return [mapped[1]!.toLowerCase(), mapped[2]!, Number(mapped[3])];
  const colon = spec.indexOf(':');
  const host = colon === -1 ? '' : spec.slice(0, colon);
  let addr = colon === -1 ? '' : spec.slice(colon + 1);
  const withPort = /^\d{1,5}:(.+)$/.exec(addr);
  if (withPort && !net.isIP(addr)) addr = withPort[1]!;
  addr = addr.replace(/^\[(.*)\]$/, '$1');
  if (!host || !net.isIP(addr)) throw usage(`--resolve ${JSON.stringify(spec)}: expected host:address (e.g. contosoatpsensorapi.atp.azure.com:127.0.0.1)`, 'resolve');
  return [host.toLowerCase(), addr];
}

export function stepTimeouts(timeoutMs: number | undefined, tcpTimeoutMs?: number): ProbeTimeouts {
  const tcpMs = Math.min(REAL_TIMEOUTS.tcpMs, tcpTimeoutMs ?? Infinity);
  if (timeoutMs === undefined) return { ...REAL_TIMEOUTS, tcpMs };
  const cap = (ms: number) => Math.min(ms, timeoutMs);
  return { tcpMs: cap(tcpMs), proxyMs: cap(REAL_TIMEOUTS.proxyMs), tlsMs: cap(REAL_TIMEOUTS.tlsMs), httpMs: cap(REAL_TIMEOUTS.httpMs), totalMs: timeoutMs };
}

/** The sensorapi hosts to check, workspace first, then regional, then extra; de-duplicated. */
export function probeTargets(o: Pick<ProbeHostOptions, 'workspace' | 'region' | 'cloud' | 'editions' | 'extraHosts'>): string[] {
  const { workspace, regional } = sensorApiHosts({
    ...(o.region ? { region: o.region } : {}),
    ...(o.workspace ? { workspace: o.workspace } : {}),
    ...(o.cloud ? { cloud: o.cloud } : {}),
    // Without a region the catalogue would list every region's hosts: the workspace alone.
    editions: o.editions ?? (o.region ? ['seed-2018', 'table-2020', 'workspace'] : ['workspace']),
  });
  return [...new Set([...workspace, ...regional, ...(o.extraHosts ?? []).map((h) => h.toLowerCase())])];
}

/** How the route for each URL is decided, once the settings are read. */
type RouteSource =
  | { kind: 'state'; state: WinInetState }
  | { kind: 'winhttp'; state: WinHttpRouteState }
  | { kind: 'resolver'; resolve: (url: string, ctx: RouteContext) => Promise<RouteResult> }
  | { kind: 'fixed'; route: RouteResult };

interface Prepared {
  source: RouteSource;
  settings: string;
  notes: string[];
  sensorConfig?: SensorConfig;
  proxyCredentials?: { username: string; password: string };
}

/** A `--proxy` value: a URL (`http://[user:pass@]h:p`) or a WinINET proxy string (`h:p`, `https=h:p`). */
export function proxyInput(text: string): { proxyString: string; display: string; credentials?: { username: string; password: string } } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let u: URL;
    try {
      u = new URL(text);
    } catch {
      throw usage('--proxy: not a URL (expected http://host:port)', 'proxy');
    }
    if (u.protocol !== 'http:') throw usage(`--proxy: only http:// proxies are supported (the sensor speaks HTTP CONNECT), got ${u.protocol}//`, 'proxy');
    const hp = parseHostPort(`${u.hostname}${u.port ? `:${u.port}` : ''}`);
    if ('error' in hp) throw usage(`--proxy: ${hp.error}`, 'proxy');
    const hostText = hp.host.includes(':') ? `[${hp.host}]` : hp.host;
    const proxyString = `${hostText}:${u.port ? hp.port : 80}`;
    const credentials = u.username ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : undefined;
    return { proxyString, display: proxyString, ...(credentials ? { credentials } : {}) };
  }
  const issues = text.split(/[;\s]+/).filter(Boolean).map((e) => parseHostPort(e.replace(/^[a-z]+=/i, ''))).filter((r) => 'error' in r);
  if (issues.length) throw usage(`--proxy ${JSON.stringify(text)}: ${(issues[0] as { error: string }).error}`, 'proxy');
  return { proxyString: text, display: text };
}

async function prepareRoute(o: ProbeHostOptions, sensor: SensorGenerationId): Promise<Prepared> {
  const platform = o.platform ?? process.platform;
  const spec: RouteSpec = o.route ?? (platform === 'win32' || o.registryStore ? { kind: 'live' } : { kind: 'none' });
  if (sensor === 'v3' && spec.kind === 'sensor-config') throw usage('--sensor v3 does not read SensorConfiguration.json (its proxy is WinHTTP\'s: give --reg, or run on the host)', 'sensor-config');
  if (sensor === 'v2-wininet' && spec.kind === 'sensor-config') throw usage('--sensor v2-wininet does not read SensorConfiguration.json: use --sensor v2', 'sensor-config');
  const v3 = sensor === 'v3' && (spec.kind === 'reg' || spec.kind === 'live');
  switch (spec.kind) {
    case 'reg': {
      const bytes = await readInputFile(spec.file, 'reg');
      const doc = readRegFileBytes(bytes, { file: spec.file });
      if (v3) return { source: { kind: 'winhttp', state: await readWinHttpRouteState(MemoryRegistryStore.fromRegFile(doc)) }, settings: `reg ${spec.file} (WinHTTP: TelemetryProxyServer, WinHttpSettings)`, notes: [] };
      const scan = findConnectionValues(doc);
      const notes = scan.hints.map((h) => `${spec.file}${h.line !== undefined ? `:${h.line}` : ''}: ${h.message}`);
      const own = identityConnectionsKey(o.identity);
      const hasOwn = scan.values.some((v) => keyPathEquals(v.key, own) && v.name === 'DefaultConnectionSettings');
      const hasHkcu = scan.values.some((v) => keyPathEquals(v.key, identityConnectionsKey('CurrentUser')) && v.name === 'DefaultConnectionSettings');
      if (!hasOwn && hasHkcu && o.identity !== 'CurrentUser') {
        notes.push(
          `the export has CurrentUser's (HKCU) settings but none for ${o.identity} (${IDENTITY_INFO[o.identity].hive}): ${o.identity} does not use HKCU's proxy` +
            ' (probe with --identity CurrentUser to see what the administrator\'s browser does)',
        );
      }
      const store = MemoryRegistryStore.fromRegFile(doc);
      return { source: { kind: 'state', state: await readWinInetState(store, o.identity) }, settings: `reg ${spec.file}`, notes };
    }
    case 'proxy': {
      const p = proxyInput(spec.proxy);
      const state = effectiveSettings({ perUser: encodeSettings({ proxy: p.proxyString }) });
      const notes: string[] = [];
      if (p.credentials && !canAnswerProxyChallenge(o.identity)) notes.push(`--proxy carries credentials but ${o.identity} cannot answer a proxy challenge: they are not sent`);
      return {
        source: { kind: 'state', state },
        settings: `proxy ${p.display}`,
        notes,
        ...(p.credentials && canAnswerProxyChallenge(o.identity) ? { proxyCredentials: p.credentials } : {}),
      };
    }
    case 'pac': {
      try {
        const u = new URL(spec.url);
        if (u.protocol !== 'http:' && u.protocol !== 'https:' && u.protocol !== 'file:') throw new Error(u.protocol);
      } catch {
        throw usage(`--pac ${JSON.stringify(spec.url)}: expected an http:// URL`, 'pac');
      }
      const state = effectiveSettings({ perUser: encodeSettings({ pac: spec.url }) });
      return { source: { kind: 'state', state }, settings: `pac ${spec.url}`, notes: [] };
    }
    case 'sensor-config': {
      const cfg = parseSensorConfig(await readText(spec.file, 'sensor configuration'), spec.file);
      return { source: { kind: 'fixed', route: sensorConfigRoute(cfg) }, settings: `sensor-config ${spec.file}`, notes: [], sensorConfig: cfg };
    }
    case 'live': {
      const store = o.registryStore ?? new WindowsRegistryStore();
      if (v3) return { source: { kind: 'winhttp', state: await readWinHttpRouteState(store) }, settings: 'live registry (WinHTTP: TelemetryProxyServer, WinHttpSettings)', notes: [] };
      return { source: { kind: 'state', state: await readWinInetState(store, o.identity) }, settings: 'live registry', notes: [] };
    }
    case 'resolver':
      return {
        source: { kind: 'resolver', resolve: spec.resolve },
        settings: spec.settings,
        notes: [...(spec.notes ?? [])],
        ...(spec.proxyCredentials ? { proxyCredentials: spec.proxyCredentials } : {}),
      };
    case 'none':
      return {
        source: {
          kind: 'fixed',
          route: { failed: false, candidates: [{ kind: 'DIRECT' }], source: 'none', notes: ['no proxy settings given (--reg, --proxy, --pac or --sensor-config): direct'] },
        },
        settings: 'none',
        notes: [],
      };
  }
}

/** `--proxy-credentials-file`: read (0600, bounded), then kept for the identity's proxy; never echoed (only the file's name is). */
async function addCredentialsFile(prepared: Prepared, file: string, o: ProbeHostOptions): Promise<void> {
  if (o.route?.kind === 'proxy' && proxyInput(o.route.proxy).credentials) throw usage('give proxy credentials once: in --proxy http://user:pass@host or in --proxy-credentials-file, not both', 'proxy-credentials-file');
  const credentials = await readProxyCredentialsFile(file);
  if (!canAnswerProxyChallenge(o.identity)) {
    prepared.notes.push(`--proxy-credentials-file ${file} is given but ${o.identity} cannot answer a proxy challenge: they are not sent`);
    return;
  }
  prepared.proxyCredentials = credentials;
  prepared.notes.push(`proxy credentials from ${file} (sent when a proxy answers 407)`);
}

/** The host's registry exports, merged in order (a later file's values win, as `reg import` would). */
async function readHostRegFiles(files: string[]): Promise<MemoryRegistryStore> {
  const store = new MemoryRegistryStore();
  for (const file of files) store.tree.apply(readRegFileBytes(await readInputFile(file, 'host-reg'), { file }));
  return store;
}

async function readPem(file: string, what: string): Promise<string> {
  const text = await readText(file, what);
  if (!text.includes('-----BEGIN ')) throw new AtpNetlabError('ATPNL_USAGE', `${what} ${file} is not PEM (expected -----BEGIN ...)`, { file });
  return text;
}

export async function probeHost(o: ProbeHostOptions): Promise<ProbeHostReport> {
  if ((o.clientCertFile === undefined) !== (o.clientKeyFile === undefined)) throw usage('--client-cert and --client-key go together', 'client-cert');
  const sensor: SensorGenerationId = o.sensor ?? (o.route?.kind === 'sensor-config' ? 'v2' : 'v2-wininet');
  const prepared = await prepareRoute(o, sensor);
  if (o.proxyCredentialsFile !== undefined) await addCredentialsFile(prepared, o.proxyCredentialsFile, o);
  const extra = [...(o.extraHosts ?? [])];
  const endpoint = prepared.sensorConfig?.endpoint;
  if (endpoint) extra.push(endpoint.address);
  let hosts: string[];
  if (sensor === 'v3') {
    const geo = o.region ?? 'us';
    if (!isMdeGeo(geo)) throw usage(`--sensor v3: region ${geo} has no modelled Defender for Endpoint geography (one of ${MDE_GEOS.join(', ')})`, 'region');
    if (o.identity !== 'LocalSystem') prepared.notes.push(`the v3 sensor runs as LocalSystem; probing as ${o.identity} shows that identity's WinINET route instead`);
    hosts = [...new Set([...mdeConnectivityTestHosts(geo), ...extra.map((h) => h.toLowerCase())])];
  } else hosts = probeTargets({ ...o, extraHosts: extra });
  const testPath = SENSOR_GENERATIONS[sensor].testPath;
  if (hosts.length === 0) throw usage('nothing to check: give --workspace (and/or --region), or a sensor configuration that names its endpoint', 'workspace');

  const pins = new Map<string, string>();
  if (o.hostsFile) for (const [n, a] of parseHostsFile(await readText(o.hostsFile, 'hosts file'), o.hostsFile)) pins.set(n, a);
  const ports = new Map<string, number>();
  for (const spec of o.resolve ?? []) {
    const [n, a, p] = parseResolveSpec(spec);
    pins.set(n, a);
    if (p !== undefined) ports.set(a, p);
  }
  const transport = o.transport ?? realTransport({ hosts: pins, ports, ...(o.dnsSuffixes ? { dnsSuffixes: o.dnsSuffixes } : {}) });

  const extraCas: string[] = [];
  for (const f of o.caFiles ?? []) extraCas.push(await readPem(f, 'CA file'));
  const clientCert =
    o.clientCertFile && o.clientKeyFile ? { certPem: await readPem(o.clientCertFile, 'client certificate'), keyPem: await readPem(o.clientKeyFile, 'client key') } : undefined;
  const timeouts = stepTimeouts(o.timeoutMs, o.tcpTimeoutMs);
  const progress = o.onProgress ?? (() => undefined);

  // Host prerequisites first, once: a failed one is every check's outcome (step host).
  const hostRegistry = o.registryStore ?? (o.hostRegFiles?.length ? await readHostRegFiles(o.hostRegFiles) : undefined);
  const hostReport = await runRealHostChecks({
    mode: o.hostChecks ?? 'auto',
    platform: o.platform ?? process.platform,
    identity: o.identity,
    cloud: o.cloud ?? (o.region === 'us-gcc-high' ? 'gcc-high' : 'commercial'),
    ...(hostRegistry ? { registryStore: hostRegistry } : {}),
    ...(!o.registryStore && o.hostRegFiles?.length ? { registryName: `reg export ${o.hostRegFiles.join(', ')}`, registryIsExport: true } : {}),
    ...(o.updaterPort !== undefined ? { updaterPort: o.updaterPort } : {}),
    timeoutMs: Math.min(3_000, timeouts.tcpMs),
  });
  if (hostReport.ran) progress(`host checks: ${hostReport.checks.filter((c) => c.status !== 'not-run').map((c) => `${c.check} ${c.status}`).join(', ')}`);
  const hostChecks = hostReport.checks.filter((c) => c.status !== 'not-run');

  using pac = new PacRuntime({ transport, fetchTimeoutMs: Math.min(5_000, timeouts.totalMs) });
  const routeFor = (url: string): Promise<RouteResult> => {
    const src = prepared.source;
    if (src.kind === 'fixed') return Promise.resolve(src.route);
    if (src.kind === 'resolver') return src.resolve(url, { transport, pac });
    if (src.kind === 'winhttp') return resolveWinHttpRoute(src.state, url, { transport, pac });
    return resolveRoute(src.state, url, { transport, pac });
  };
  const check = async (host: string): Promise<ProbeHostCheck> => {
    const port = endpoint && endpoint.address === host ? endpoint.port : 443;
    const url = `https://${host}${port === 443 ? '' : `:${port}`}${testPath}`;
    progress(`probing ${url} as ${o.identity}`);
    const route = await routeFor(url);
    const startMs = Date.now();
    let logChecks: ProxyLogCheck[] = [];
    const proxyLogs = o.proxyLogs ?? [];
    const externalReports = async (ev: Parameters<typeof readProxyLogReports>[0]) => {
      const r = await readProxyLogReports(ev, proxyLogs, { startMs, toleranceMs: o.proxyLogToleranceMs ?? PROXY_LOG_DEFAULT_TOLERANCE_MS });
      logChecks = r.checks;
      return r.reports;
    };
    const observed = await checkUrl(url, route, {
      identity: o.identity,
      transport,
      trustedCaPems: probeTrustAnchors(tls.rootCertificates, extraCas),
      expected: { rootNames: [...REAL_CLOUD_ROOTS, ...(o.expectRoots ?? [])] },
      ...(clientCert ? { clientCert } : {}),
      ...(prepared.proxyCredentials ? { proxyCredentials: prepared.proxyCredentials } : {}),
      pingPath: testPath,
      ...(sensor !== 'v2-wininet' ? { sensor } : {}),
      ...(hostChecks.length ? { hostChecks } : {}),
      ...(clockSkewOn(hostReport) ? { checkClockSkew: true } : {}),
      ...(o.authPath ? { authCheckPath: o.authPath } : {}),
      checks: o.authPath ? 'full' : 'ping',
      timeouts,
      userAgent: `atp-netlab-probe (${o.identity})`,
      ...(proxyLogs.length ? { externalReports } : {}),
    });
    if (logChecks.length) {
      observed.proxyLogs = logChecks;
      const warnings = proxyLogWarnings(logChecks, `${host}:${port}`);
      if (warnings.length) observed.warnings = [...(observed.warnings ?? []), ...warnings];
    }
    progress(`  ${host}: ${observed.reachable ? 'reachable' : `unreachable at ${observed.step}`} (${observed.code}, ${observed.durationMs} ms)`);
    return { host, url, identity: o.identity, observed };
  };
  const revocationMode: RevocationMode = o.revocation ?? (pins.size ? 'off' : 'warn');
  let revocation: Promise<RevocationCheck[]> | undefined;
  const revocationChecks = () =>
    (revocation ??= checkRevocationHosts(routeFor, {
      identity: o.identity,
      transport,
      tcpTimeoutMs: timeouts.tcpMs,
      timeoutMs: timeouts.httpMs,
      ...(prepared.proxyCredentials ? { proxyCredentials: prepared.proxyCredentials } : {}),
    }));
  const checks = await Promise.all(
    hosts.map(async (h) => {
      const c = await check(h);
      if (revocationMode !== 'off') applyRevocationPolicy(c.observed, await revocationChecks(), revocationMode);
      return c;
    }),
  );
  summariseClock(hostReport, checks.map((c) => c.observed));
  return {
    tool: 'atp-netlab',
    schema: 1,
    version: VERSION,
    mode: 'real',
    identity: o.identity,
    sensor,
    workspace: o.workspace ?? null,
    region: o.region ?? null,
    settings: prepared.settings,
    notes: prepared.notes,
    revocation: revocationMode === 'off' ? null : { mode: revocationMode, checks: await revocationChecks() },
    host: hostReport,
    checks,
  };
}
