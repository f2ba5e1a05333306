/**
 * `probe --matrix`: per endpoint and identity, the outcome under each proxy method a Windows
 * admin would try (matrix-methods.ts), as Defender for Endpoint's client analyzer reports
 * connectivity per method. Each cell is one real-mode probe (probeHost, with the method's
 * route), so the cells use exactly the probe's steps, codes, trust and pinned names.
 *
 * The document is `kind: "probe-matrix"`, schema 1, documented in docs/probe-matrix-schema.md
 * and docs/probe-matrix.schema.json.
 */
import { canAnswerProxyChallenge, type Identity } from '../identity.js';
import { readInputFile, readInputText } from '../input/read-input.js';
import { MemoryRegistryStore } from '../registry/memory-registry-store.js';
import { readRegFileBytes } from '../registry/reg-file-reader.js';
import type { RegistryStore } from '../registry/registry-store.js';
import { WindowsRegistryStore } from '../registry/windows-registry-store.js';
import { VERSION } from '../version.js';
import { readWinInetState } from '../wininet/read-state.js';
import { MATRIX_METHODS, matrixRoute, type MatrixMethod, type MatrixMethodInputs } from './matrix-methods.js';
import type { ProbeCode, ProbeStep } from './outcome.js';
import { probeHost, proxyInput, type ProbeHostOptions } from './probe-host.js';
import { parseSensorConfig } from './sensor-config.js';

export const MATRIX_DEFAULT_IDENTITIES: Identity[] = ['CurrentUser', 'LocalService', 'LocalSystem'];

export interface ProbeMatrixOptions extends Omit<ProbeHostOptions, 'identity' | 'route'> {
  identities?: Identity[];
  /** Where the WinINET and WinHTTP methods read the registry: a `.reg` export, or the live one. */
  registry?: { kind: 'reg'; file: string } | { kind: 'live' };
  sensorConfigFile?: string;
  /** `http://[user:pass@]host:port` or a WinINET proxy string. */
  namedProxy?: string;
  methods?: MatrixMethod[];
}

export interface MatrixCell {
  method: MatrixMethod;
  /** False: the method has no setting for this identity (code ROUTE_NOT_CONFIGURED); nothing was tried. */
  configured: boolean;
  reachable: boolean;
  step: ProbeStep;
  code: ProbeCode;
  route: string;
  routeSource: string | null;
  inspected: boolean;
  detail: string;
  durationMs: number;
}

export interface MatrixRow {
  host: string;
  url: string;
  identity: Identity;
  cells: MatrixCell[];
  /** The methods that reached the host as this identity. */
  reachableBy: MatrixMethod[];
}

export interface ProbeMatrixReport {
  tool: 'atp-netlab';
  kind: 'probe-matrix';
  schema: 1;
  version: string;
  mode: 'real';
  workspace: string | null;
  region: string | null;
  methods: MatrixMethod[];
  identities: Identity[];
  inputs: { registry: string | null; sensorConfig: string | null; namedProxy: string | null };
  notes: string[];
  rows: MatrixRow[];
  summary: { rows: number; reachable: number; unreachable: number; cellsNotConfigured: number };
  /** 0 when every row (endpoint × identity) is reached by at least one method, else 1. */
  exitCode: 0 | 1;
}

async function loadRegistry(o: ProbeMatrixOptions): Promise<{ store?: RegistryStore; label: string | null; reason?: string }> {
  const platform = o.platform ?? process.platform;
  const spec = o.registry ?? (platform === 'win32' || o.registryStore ? { kind: 'live' as const } : undefined);
  if (!spec) return { label: null, reason: 'no --reg given and not on Windows' };
  if (spec.kind === 'live') return { store: o.registryStore ?? new WindowsRegistryStore(), label: 'live registry' };
  const doc = readRegFileBytes(await readInputFile(spec.file, 'reg'), { file: spec.file });
  return { store: MemoryRegistryStore.fromRegFile(doc), label: `reg ${spec.file}` };
}

export async function probeMatrix(o: ProbeMatrixOptions): Promise<ProbeMatrixReport> {
  const identities = o.identities?.length ? o.identities : MATRIX_DEFAULT_IDENTITIES;
  const methods = o.methods?.length ? o.methods : [...MATRIX_METHODS];
  const registry = await loadRegistry(o);
  const sensorConfig = o.sensorConfigFile !== undefined ? parseSensorConfig(await readInputText(o.sensorConfigFile, 'sensor-config'), o.sensorConfigFile) : undefined;
  const named = o.namedProxy !== undefined ? proxyInput(o.namedProxy) : undefined;
  const notes: string[] = [];
  const extraHosts = [...(o.extraHosts ?? [])];
  if (sensorConfig?.endpoint) {
    extraHosts.push(sensorConfig.endpoint.address);
    if (sensorConfig.endpoint.port !== 443) notes.push(`the sensor configuration's endpoint port ${sensorConfig.endpoint.port} is not used by the matrix: every method probes port 443`);
  }
  if (sensorConfig?.hasProxyCredentials) notes.push('the sensor configuration holds proxy credentials the probe cannot decrypt: a 407 in the sensor-config column may be answered by the real sensor');
  const { identities: _i, registry: _r, sensorConfigFile: _s, namedProxy: _n, methods: _m, ...base } = o;

  const rows: MatrixRow[] = [];
  // Identities one after the other, methods of an identity side by side: at most
  // methods × hosts probes in flight.
  for (const identity of identities) {
    const inputs: MatrixMethodInputs = {
      ...(registry.store ? { state: await readWinInetState(registry.store, identity) } : {}),
      ...(registry.reason ? { noStateReason: registry.reason } : {}),
      ...(sensorConfig ? { sensorConfig } : {}),
      ...(named ? { namedProxy: named.proxyString } : {}),
    };
    const credentials = challengeCredentials(identity, named?.credentials);
    if (named?.credentials && !credentials && !notes.some((n) => n.includes('--proxy carries credentials'))) {
      notes.push(`--proxy carries credentials; only CurrentUser can answer a proxy challenge, so they are sent for CurrentUser only`);
    }
    const reports = await Promise.all(
      methods.map((method) =>
        probeHost({
          ...base,
          // The matrix compares proxy methods; the host prerequisites are `probe`'s (not per cell).
          hostChecks: 'off',
          extraHosts,
          identity,
          route: {
            kind: 'resolver',
            settings: `matrix ${method}`,
            resolve: (url, ctx) => matrixRoute(method, identity, inputs, url, ctx),
            ...(method === 'named-proxy' && credentials ? { proxyCredentials: credentials } : {}),
          },
        }),
      ),
    );
    const hosts = reports[0]?.checks.map((c) => ({ host: c.host, url: c.url })) ?? [];
    for (const { host, url } of hosts) {
      const cells = methods.map((method, i): MatrixCell => {
        const obs = reports[i]!.checks.find((c) => c.host === host)!.observed;
        return {
          method,
          configured: obs.code !== 'ROUTE_NOT_CONFIGURED',
          reachable: obs.reachable,
          step: obs.step,
          code: obs.code,
          route: obs.route,
          routeSource: obs.routeSource ?? null,
          inspected: obs.inspected,
          detail: obs.detail,
          durationMs: obs.durationMs,
        };
      });
      rows.push({ host, url, identity, cells, reachableBy: cells.filter((c) => c.reachable).map((c) => c.method) });
    }
  }
  const reachable = rows.filter((r) => r.reachableBy.length > 0).length;
  return {
    tool: 'atp-netlab',
    kind: 'probe-matrix',
    schema: 1,
    version: VERSION,
    mode: 'real',
    workspace: o.workspace ?? null,
    region: o.region ?? null,
    methods,
    identities,
    inputs: { registry: registry.label, sensorConfig: o.sensorConfigFile ?? null, namedProxy: named?.display ?? null },
    notes,
    rows,
    summary: { rows: rows.length, reachable, unreachable: rows.length - reachable, cellsNotConfigured: rows.reduce((n, r) => n + r.cells.filter((c) => !c.configured).length, 0) },
    exitCode: reachable === rows.length && rows.length > 0 ? 0 : 1,
  };
}

/** Credentials of a named proxy are sent only by an identity that can answer a challenge. */
function challengeCredentials(identity: Identity, c: { username: string; password: string } | undefined) {
  return c && canAnswerProxyChallenge(identity) ? c : undefined;
}
