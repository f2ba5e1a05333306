/**
 * The v3 sensor's route: it runs inside Defender for Endpoint, which "requires WinHTTP" and
 * "runs in system context using the LocalSystem account"; WinHTTP "is independent of the
 * WinINet browsing proxy settings" and discovers a proxy only by (configure-proxy-internet.md):
 *
 *   TelemetryProxyServer (REG_SZ, HKLM\Software\Policies\Microsoft\Windows\DataCollection)
 *   netsh winhttp set proxy (HKLM ...\Internet Settings\Connections\WinHttpSettings)
 *   WPAD (auto-detect)             transparent proxy (no setting: the network diverts DIRECT)
 *
 * The page lists these methods without an order. The lab's choice, documented here: the
 * Defender-specific registry value first (it exists only to steer this service), then the
 * machine-wide WinHTTP proxy, then WPAD, then direct. LocalSystem's WinINET value is never
 * used; when it holds a proxy and nothing above does, the route says so (the migration trap:
 * a v2 host's legacy WinINET copy does not carry over to v3).
 */
import type { RegistryStore } from '../registry/registry-store.js';
import type { RouteResult } from '../route.js';
import { hasFlag, type WinHttpSettings, type WinInetSettings } from './connection-settings-blob.js';
import { decodeWinHttpSettings } from './connection-settings-blob.js';
import { parseHostPort } from './host-port.js';
import { MACHINE_CONNECTIONS_KEY, readWinInetState } from './read-state.js';
import { staticRoute, type RouteContext } from './resolve-route.js';
import { PacRuntime } from './pac-runtime.js';

export const TELEMETRY_POLICY_KEY = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\DataCollection';
export const TELEMETRY_PROXY_VALUE = 'TelemetryProxyServer';

export interface WinHttpRouteState {
  /** TelemetryProxyServer as stored (`host:port`), when set. */
  telemetryProxyServer?: string;
  winhttp: WinHttpSettings | null;
  /** LocalSystem's WinINET settings, only to explain a route that ignores them. */
  localSystemWinInet: WinInetSettings | null;
}

export async function readWinHttpRouteState(store: RegistryStore): Promise<WinHttpRouteState> {
  const [tps, winhttp, localSystem] = await Promise.all([
    store.readValue(TELEMETRY_POLICY_KEY, TELEMETRY_PROXY_VALUE),
    store.readValue(MACHINE_CONNECTIONS_KEY, 'WinHttpSettings'),
    readWinInetState(store, 'LocalSystem'),
  ]);
  let decoded: WinHttpSettings | null = null;
  if (winhttp && winhttp.type === 'REG_BINARY') {
    try {
      decoded = decodeWinHttpSettings(winhttp.data);
    } catch {
      decoded = null;
    }
  }
  const text = tps && (tps.type === 'REG_SZ' || tps.type === 'REG_EXPAND_SZ') ? tps.data.trim() : '';
  return { ...(text ? { telemetryProxyServer: text } : {}), winhttp: decoded, localSystemWinInet: localSystem.noValue ? null : localSystem.wininet };
}

function winInetProxyText(s: WinInetSettings | null): string | undefined {
  if (!s) return undefined;
  if (hasFlag(s.flags, 'PROXY') && s.proxyServer.trim()) return s.proxyServer.trim();
  if (hasFlag(s.flags, 'AUTO_PROXY_URL') && s.autoConfigUrl.trim()) return `PAC ${s.autoConfigUrl.trim()}`;
  return undefined;
}

export async function resolveWinHttpRoute(state: WinHttpRouteState, url: string | URL, ctx: RouteContext): Promise<RouteResult> {
  const target = typeof url === 'string' ? new URL(url) : url;
  const notes: string[] = [];
  const ignored = winInetProxyText(state.localSystemWinInet);
  const trap = ignored
    ? `LocalSystem's WinINET holds a proxy (${ignored}) but the v3 sensor uses WinHTTP (TelemetryProxyServer, netsh winhttp, WPAD): the legacy WinINET copy is not used`
    : undefined;

  if (state.telemetryProxyServer !== undefined) {
    const hp = parseHostPort(state.telemetryProxyServer.replace(/^https?:\/\//i, '').replace(/\/.*$/, ''));
    if (!('error' in hp)) return { failed: false, candidates: [{ kind: 'PROXY', host: hp.host, port: hp.port }], source: 'telemetry-proxy-server', notes };
    notes.push(`${TELEMETRY_PROXY_VALUE} ${JSON.stringify(state.telemetryProxyServer)} is not host:port (${hp.error}): ignored`);
  }
  const w = state.winhttp;
  if (w && hasFlag(w.flags, 'PROXY') && w.proxyServer.trim() !== '') {
    const { hop } = staticRoute(w, target, notes);
    return { failed: false, candidates: [hop], source: 'winhttp', notes };
  }
  const ownPac = ctx.pac === undefined;
  const pac = ctx.pac ?? new PacRuntime({ transport: ctx.transport, ...(ctx.pacFetchTimeoutMs !== undefined ? { fetchTimeoutMs: ctx.pacFetchTimeoutMs } : {}) });
  try {
    const wpad = await pac.discoverWpad();
    if (wpad.ok) {
      const ev = await pac.evaluate(wpad.pacUrl, wpad.text, target);
      if (ev.ok) return { failed: false, candidates: ev.result.candidates, source: 'wpad', notes: [...notes, ...ev.result.issues], pacUrl: wpad.pacUrl };
      return { failed: true, code: 'ROUTE_PAC_ERROR', detail: `WPAD script ${wpad.pacUrl} failed: ${ev.reason}; WinHTTP has no static proxy to fall back to`, source: 'wpad', pacUrl: wpad.pacUrl };
    }
    notes.push(wpad.tried.length === 0 ? 'WinHTTP auto-detect (WPAD): the host has no DNS suffix to search' : `WinHTTP auto-detect (WPAD) found no script (tried ${wpad.tried.map((t) => t.url).join(', ')})`);
  } finally {
    if (ownPac) pac.dispose();
  }
  if (trap) notes.unshift(trap);
  notes.push('no TelemetryProxyServer, no netsh winhttp proxy, no WPAD script: WinHTTP goes direct (a transparent proxy may still divert it)');
  return { failed: false, candidates: [{ kind: 'DIRECT' }], source: 'none', notes };
}
