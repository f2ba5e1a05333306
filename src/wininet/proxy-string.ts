/**
 * WinINET's proxy server string (FACTS.md §5): either one `host:port` for every scheme, or
 * per-scheme entries `http=h:p;https=h:p;ftp=h:p`, entries separated by `;` (WinINET also
 * accepts whitespace). `socks=` is only honoured by Internet Explorer, never by the sensor,
 * so it is parsed and reported but never used.
 */
import type { RouteHop } from '../route.js';
import { parseHostPort, type HostPort } from './host-port.js';

export interface ProxyString {
  /** Entry without `scheme=`: used for every scheme that has no entry of its own. */
  all?: HostPort;
  /** Lower-case scheme → proxy. */
  perScheme: Map<string, HostPort>;
  /** Entries that were ignored, with why. */
  issues: string[];
}

export function parseProxyString(text: string): ProxyString {
  const out: ProxyString = { perScheme: new Map(), issues: [] };
  for (const raw of text.split(/[;\s]+/)) {
    if (raw === '') continue;
    const eq = raw.indexOf('=');
    const scheme = eq === -1 ? undefined : raw.slice(0, eq).trim().toLowerCase();
    const hp = parseHostPort(eq === -1 ? raw : raw.slice(eq + 1));
    if ('error' in hp) {
      out.issues.push(`proxy entry ${JSON.stringify(raw)} ignored: ${hp.error}`);
      continue;
    }
    if (scheme === undefined) {
      if (out.all) out.issues.push(`proxy entry ${JSON.stringify(raw)} ignored: only the first entry without a scheme is used`);
      else out.all = hp;
    } else if (scheme === '') {
      out.issues.push(`proxy entry ${JSON.stringify(raw)} ignored: empty scheme`);
    } else if (out.perScheme.has(scheme)) {
      out.issues.push(`proxy entry ${JSON.stringify(raw)} ignored: ${scheme}= appears twice, the first wins`);
    } else {
      out.perScheme.set(scheme, hp);
      if (scheme === 'socks') out.issues.push(`socks=${hp.host}:${hp.port} is ignored: only Internet Explorer uses SOCKS from this setting`);
    }
  }
  return out;
}

/** The proxy WinINET uses for a URL: the entry for its scheme, else the bare entry, else DIRECT. */
export function proxyForUrl(proxy: ProxyString, url: URL): RouteHop {
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  const hp = (scheme !== 'socks' ? proxy.perScheme.get(scheme) : undefined) ?? proxy.all;
  return hp ? { kind: 'PROXY', host: hp.host, port: hp.port } : { kind: 'DIRECT' };
}

/** True when the string names at least one usable proxy (ignoring socks). */
export function hasUsableProxy(proxy: ProxyString): boolean {
  return proxy.all !== undefined || [...proxy.perScheme.keys()].some((s) => s !== 'socks');
}
