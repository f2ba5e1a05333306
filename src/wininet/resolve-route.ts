/**
 * The first hop WinINET picks for a URL, given one identity's settings.
 *
 * Order, as WinINET applies it: AUTO_DETECT (WPAD) when set, then AUTO_PROXY_URL (PAC) when
 * set, then the static proxy (PROXY flag, honouring the bypass list), else DIRECT.
 *
 * Fallback rule when an automatic method fails (chosen deliberately, documented here):
 * - WinINET itself silently continues with the next method, and ends on the static proxy if
 *   the PROXY flag is set, else DIRECT. When a static proxy exists we do the same and add a
 *   note naming the failure: the route the sensor really takes is the static proxy.
 * - When no static proxy backs it up and a PAC URL was configured, we return a RouteFailure
 *   instead of the DIRECT WinINET would silently take: ROUTE_PAC_UNAVAILABLE when the script
 *   cannot be fetched, ROUTE_PAC_ERROR when it does not compile, throws, times out or returns
 *   nothing usable. The admin asked for a PAC; on a network that needs one, "direct" would only
 *   surface later as a confusing DNS/TCP failure, so the probe names the real cause.
 * - WPAD that finds no script is *not* a failure: auto-detect is on by default on Windows and
 *   most networks have no WPAD, so WinINET's DIRECT is the normal result (with a note). A WPAD
 *   script that is found but fails is ROUTE_PAC_ERROR (source wpad) when nothing backs it up.
 * - No value at all is the Windows default (effective-settings.ts): auto-detect, then direct.
 *   The route says so ("no value: Windows default, automatically detect"); source `wpad` when
 *   discovery finds a script, else `none` (nothing was configured, direct after discovery).
 */
import type { RouteHop, RouteResult, RouteSource } from '../route.js';
import type { NetTransport } from '../transport.js';
import { bypassReason, parseBypassList } from './bypass-list.js';
import { hasFlag, type WinHttpSettings, type WinInetSettings } from './connection-settings-blob.js';
import { NO_VALUE_NOTE, windowsDefaultSettings, type WinInetState } from './effective-settings.js';
import { PacRuntime } from './pac-runtime.js';
import { hasUsableProxy, parseProxyString, proxyForUrl } from './proxy-string.js';

export interface RouteContext {
  transport: NetTransport;
  /**
   * Shared PAC state (downloads, WPAD discovery, compiled scripts). Pass one per probe run so
   * many URLs reuse it; without it a temporary one is made and disposed per call.
   */
  pac?: PacRuntime;
  pacFetchTimeoutMs?: number;
  pacEvalTimeoutMs?: number;
  myIpAddress?: string;
}

/** The note added when WinHTTP has a proxy and WinINET does not (FACTS.md §1). */
export function winHttpOnlyNote(winhttp: WinHttpSettings): string {
  return `WinHTTP is configured with a proxy (${winhttp.proxyServer}) but WinINET is not; the sensor uses WinINET, so this proxy is not used`;
}

function winInetHasProxy(s: WinInetSettings | null): boolean {
  if (!s) return false;
  if (hasFlag(s.flags, 'PROXY') && s.proxyServer.trim() !== '') return true;
  if (hasFlag(s.flags, 'AUTO_PROXY_URL') && s.autoConfigUrl.trim() !== '') return true;
  return false;
}

function winHttpHasProxy(s: WinHttpSettings | null | undefined): s is WinHttpSettings {
  return !!s && hasFlag(s.flags, 'PROXY') && s.proxyServer.trim() !== '';
}

/** The hop a static proxy setting (WinINET's or WinHTTP's: same string and bypass rules) gives a URL. */
export function staticRoute(s: Pick<WinInetSettings, 'flags' | 'proxyServer' | 'bypassList'>, url: URL, notes: string[]): { hop: RouteHop } {
  if (!hasFlag(s.flags, 'PROXY')) return { hop: { kind: 'DIRECT' } };
  const proxy = parseProxyString(s.proxyServer);
  notes.push(...proxy.issues);
  if (!hasUsableProxy(proxy)) {
    notes.push(
      s.proxyServer.trim() === ''
        ? 'PROXY flag is set but the proxy server string is empty: WinINET goes direct'
        : `proxy server string ${JSON.stringify(s.proxyServer)} has no usable entry: WinINET goes direct`,
    );
    return { hop: { kind: 'DIRECT' } };
  }
  const hop = proxyForUrl(proxy, url);
  if (hop.kind === 'DIRECT') {
    const scheme = url.protocol.replace(/:$/, '');
    notes.push(`proxy server string ${JSON.stringify(s.proxyServer)} has no ${scheme}= entry and no entry for all schemes: ${scheme} URLs go direct`);
    return { hop };
  }
  const reason = bypassReason(parseBypassList(s.bypassList), url);
  if (reason !== undefined) {
    notes.push(`${url.hostname} bypasses the proxy (${reason === 'loopback' ? 'loopback is always bypassed' : `bypass entry ${reason}`})`);
    return { hop: { kind: 'DIRECT' } };
  }
  return { hop };
}

export async function resolveRoute(state: WinInetState, url: string | URL, ctx: RouteContext): Promise<RouteResult> {
  const target = typeof url === 'string' ? new URL(url) : url;
  const ownPac = ctx.pac === undefined;
  const pac =
    ctx.pac ??
    new PacRuntime({
      transport: ctx.transport,
      ...(ctx.pacFetchTimeoutMs !== undefined ? { fetchTimeoutMs: ctx.pacFetchTimeoutMs } : {}),
      ...(ctx.pacEvalTimeoutMs !== undefined ? { evalTimeoutMs: ctx.pacEvalTimeoutMs } : {}),
      ...(ctx.myIpAddress !== undefined ? { myIpAddress: ctx.myIpAddress } : {}),
    });
  try {
    return await decide(state, target, pac);
  } finally {
    if (ownPac) pac.dispose();
  }
}

async function decide(state: WinInetState, url: URL, pac: PacRuntime): Promise<RouteResult> {
  const notes = [...(state.notes ?? [])];
  const noValue = state.noValue === true || state.wininet === null;
  const s = state.wininet ?? windowsDefaultSettings();
  if (noValue) notes.push(NO_VALUE_NOTE);
  // Only when WinINET ends up without a proxy: a WPAD script that found one already answers it.
  if (!winInetHasProxy(s) && winHttpHasProxy(state.winhttp)) {
    const winhttpNote = winHttpOnlyNote(state.winhttp);
    const result = await decide({ ...state, winhttp: null }, url, pac);
    if (!result.failed && result.source !== 'wpad') result.notes.unshift(winhttpNote);
    return result;
  }

  const staticBackup = hasFlag(s.flags, 'PROXY') && s.proxyServer.trim() !== '';
  let pending: { code: 'ROUTE_PAC_UNAVAILABLE' | 'ROUTE_PAC_ERROR'; detail: string; source: RouteSource; pacUrl?: string } | undefined;

  if (hasFlag(s.flags, 'AUTO_DETECT')) {
    const wpad = await pac.discoverWpad();
    if (wpad.ok) {
      const ev = await pac.evaluate(wpad.pacUrl, wpad.text, url);
      if (ev.ok) {
        notes.push(...ev.result.issues);
        return { failed: false, candidates: ev.result.candidates, source: 'wpad', notes, pacUrl: wpad.pacUrl };
      }
      notes.push(`WPAD script ${wpad.pacUrl} failed: ${ev.reason}`);
      pending = { code: 'ROUTE_PAC_ERROR', detail: `WPAD script ${wpad.pacUrl} failed: ${ev.reason}`, source: 'wpad', pacUrl: wpad.pacUrl };
    } else {
      notes.push(
        wpad.tried.length === 0
          ? 'auto-detect (WPAD) is on but the host has no DNS suffix to search'
          : `auto-detect (WPAD) found no script (tried ${wpad.tried.map((t) => t.url).join(', ')})`,
      );
    }
  }

  if (hasFlag(s.flags, 'AUTO_PROXY_URL') && s.autoConfigUrl.trim() !== '') {
    const pacUrl = s.autoConfigUrl.trim();
    const fetched = await pac.fetch(pacUrl);
    if (!fetched.ok) {
      notes.push(`PAC ${pacUrl} could not be fetched: ${fetched.reason}`);
      pending = { code: 'ROUTE_PAC_UNAVAILABLE', detail: `PAC ${pacUrl} could not be fetched: ${fetched.reason}`, source: 'pac', pacUrl };
    } else {
      const ev = await pac.evaluate(pacUrl, fetched.text, url);
      if (ev.ok) {
        notes.push(...ev.result.issues);
        return { failed: false, candidates: ev.result.candidates, source: 'pac', notes, pacUrl };
      }
      notes.push(`PAC ${pacUrl} failed: ${ev.reason}`);
      pending = { code: 'ROUTE_PAC_ERROR', detail: `PAC ${pacUrl} failed: ${ev.reason}`, source: 'pac', pacUrl };
    }
  }

  if (pending && !staticBackup) {
    return {
      failed: true,
      code: pending.code,
      detail: `${pending.detail}; no static proxy to fall back to (WinINET would go direct)`,
      source: pending.source,
      ...(pending.pacUrl !== undefined ? { pacUrl: pending.pacUrl } : {}),
    };
  }
  if (pending) notes.push('falling back to the static proxy, as WinINET does');

  const { hop } = staticRoute(s, url, notes);
  if (noValue) notes.push('no value and no WPAD script: WinINET goes direct');
  return { failed: false, candidates: [hop], source: noValue ? 'none' : 'wininet-static', notes };
}
