/**
 * The proxy methods of `probe --matrix`: each way a Windows admin would try to get a host to
 * the cloud, as a route for one identity and URL. Defender for Endpoint's client analyzer
 * reports connectivity per method the same way (MicrosoftDocs/defender-docs,
 * defender-endpoint/verify-connectivity.md); Defender for Identity's deploy/configure-proxy.md
 * lists the sensor's methods (its own proxy, the legacy WinINET copy, WPAD, transparent proxy).
 *
 *   wininet        the identity's own DefaultConnectionSettings (resolveRoute, as the probe)
 *   wpad           auto-detect only (WPAD discovery by DNS), whatever the identity has
 *   direct         no proxy
 *   sensor-config  SensorConfiguration.json's SensorProxyConfiguration (the sensor service only)
 *   winhttp        the machine-wide WinHttpSettings (`netsh winhttp set proxy`)
 *   named-proxy    a proxy the engineer names (`--proxy`, or a scenario's matrix.namedProxy)
 *
 * A method with no setting for the identity is a route failure `ROUTE_NOT_CONFIGURED` that
 * says why: nothing is tried, and the matrix shows it apart from failures. Every route comes
 * from the existing route sources (resolveRoute, sensorConfigRoute); nothing here dials.
 */
import { IDENTITY_INFO, type Identity } from '../identity.js';
import type { RouteResult, RouteSource } from '../route.js';
import { buildWinInetSettings, hasFlag } from '../wininet/connection-settings-blob.js';
import type { WinInetState } from '../wininet/effective-settings.js';
import { resolveRoute, type RouteContext } from '../wininet/resolve-route.js';
import { sensorConfigRoute, type SensorConfig } from './sensor-config.js';

export const MATRIX_METHODS = ['wininet', 'wpad', 'direct', 'sensor-config', 'winhttp', 'named-proxy'] as const;
export type MatrixMethod = (typeof MATRIX_METHODS)[number];

/** One line per method, for --help and the docs. */
export const MATRIX_METHOD_INFO: Record<MatrixMethod, string> = {
  wininet: "the identity's own WinINET setting (DefaultConnectionSettings in its hive, or HKLM with ProxySettingsPerUser=0)",
  wpad: 'auto-detect only: WPAD discovery (wpad.<suffix>/wpad.dat) and its script',
  direct: 'no proxy at all',
  'sensor-config': "the v2 sensor's own proxy, SensorConfiguration.json SensorProxyConfiguration (used by the sensor service, LocalService)",
  winhttp: 'the machine-wide WinHTTP proxy (netsh winhttp set proxy, WinHttpSettings)',
  'named-proxy': 'a proxy named on the command line (--proxy) or in the scenario (matrix.namedProxy)',
};

/** What the methods are computed from; a missing input makes its method "not configured". */
export interface MatrixMethodInputs {
  /** The identity's WinINET state (its hive, HKLM, WinHttpSettings), when a registry was read. */
  state?: WinInetState;
  /** Why there is no state (e.g. "no --reg given and not on Windows"). */
  noStateReason?: string;
  sensorConfig?: SensorConfig;
  /** A WinINET proxy string (`host:port`, `https=h:p`). */
  namedProxy?: string;
}

export function notConfigured(detail: string, source: RouteSource = 'none'): RouteResult {
  return { failed: true, code: 'ROUTE_NOT_CONFIGURED', detail, source };
}

/** The sensor's own proxy is the sensor service's (LocalService), not any other identity's. */
export const SENSOR_CONFIG_IDENTITY: Identity = 'LocalService';

export async function matrixRoute(method: MatrixMethod, identity: Identity, inputs: MatrixMethodInputs, url: string, ctx: RouteContext): Promise<RouteResult> {
  const noRegistry = `no registry read (${inputs.noStateReason ?? 'no --reg given'})`;
  switch (method) {
    case 'direct':
      return { failed: false, candidates: [{ kind: 'DIRECT' }], source: 'none', notes: ['matrix method direct: no proxy'] };
    case 'wininet': {
      const state = inputs.state;
      if (!state) return notConfigured(noRegistry);
      if (state.noValue || state.wininet === null) {
        return notConfigured(
          `${identity} has no DefaultConnectionSettings value (${state.scope === 'machine' ? 'HKLM, ProxySettingsPerUser=0' : IDENTITY_INFO[identity].hive}): the Windows default is automatically detect, see the wpad column`,
        );
      }
      return resolveRoute(state, url, ctx);
    }
    case 'wpad': {
      const r = await resolveRoute({ wininet: buildWinInetSettings({ autoDetect: true }), scope: 'per-user' }, url, ctx);
      if (r.failed || r.source === 'wpad') return r;
      // Discovery found no script: the network publishes no WPAD (the direct column covers direct).
      return notConfigured(r.notes.find((n) => n.includes('WPAD')) ?? 'auto-detect (WPAD) found no script', 'wpad');
    }
    case 'sensor-config': {
      const cfg = inputs.sensorConfig;
      if (!cfg) return notConfigured('no SensorConfiguration.json given (--sensor-config)', 'sensor-config');
      if (!cfg.proxy) return notConfigured('SensorConfiguration.json has no SensorProxyConfiguration.Url', 'sensor-config');
      if (identity !== SENSOR_CONFIG_IDENTITY) return notConfigured(`the sensor's own proxy is used by the sensor service (${SENSOR_CONFIG_IDENTITY}), not by ${identity}`, 'sensor-config');
      return sensorConfigRoute(cfg);
    }
    case 'winhttp': {
      const state = inputs.state;
      if (!state) return notConfigured(noRegistry, 'winhttp');
      const w = state.winhttp;
      if (!w || !hasFlag(w.flags, 'PROXY') || w.proxyServer.trim() === '') {
        return notConfigured(w ? 'WinHttpSettings: direct access (netsh winhttp show proxy: "Direct access (no proxy server)")' : 'no WinHttpSettings value (WinHTTP default: direct access)', 'winhttp');
      }
      // Same proxy-string and bypass semantics as WinINET's static proxy; machine-wide, so the
      // same for every identity.
      const r = await resolveRoute({ wininet: buildWinInetSettings({ proxy: w.proxyServer, bypass: w.bypassList }), scope: 'machine' }, url, ctx);
      return r.failed ? r : { ...r, source: 'winhttp', notes: [`WinHTTP proxy ${w.proxyServer} (machine-wide)`, ...r.notes] };
    }
    case 'named-proxy': {
      if (inputs.namedProxy === undefined) return notConfigured('no proxy named (--proxy)', 'named-proxy');
      const r = await resolveRoute({ wininet: buildWinInetSettings({ proxy: inputs.namedProxy }), scope: 'per-user' }, url, ctx);
      return r.failed ? r : { ...r, source: 'named-proxy' };
    }
  }
}
