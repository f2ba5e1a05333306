/** `host:port` as WinINET writes it in proxy strings and PAC results (IPv6 in brackets). */
export interface HostPort {
  host: string;
  port: number;
}

/** Port WinINET assumes when a proxy entry has none. */
export const DEFAULT_PROXY_PORT = 80;

/**
 * Parses `host`, `host:port`, `[v6]:port`, with an optional `scheme://` prefix and trailing
 * `/` (admins paste URLs). Returns an error text instead of throwing: bad settings are
 * facts to report about a host, not bugs in the tool.
 */
export function parseHostPort(text: string): HostPort | { error: string } {
  let s = text.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/+$/, '');
  if (s === '') return { error: 'empty host' };
  s = s.replace(/^[^@/]*@/, ''); // credentials in a proxy URL are ignored by WinINET
  let host: string;
  let portText: string | undefined;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close === -1) return { error: `unterminated IPv6 literal in ${JSON.stringify(text)}` };
    host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return { error: `unexpected text after IPv6 literal in ${JSON.stringify(text)}` };
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = s.lastIndexOf(':');
    if (colon !== -1 && s.indexOf(':') !== colon) return { error: `IPv6 address without brackets in ${JSON.stringify(text)}` };
    host = colon === -1 ? s : s.slice(0, colon);
    portText = colon === -1 ? undefined : s.slice(colon + 1);
  }
  if (host === '' || /[\s/]/.test(host)) return { error: `bad host in ${JSON.stringify(text)}` };
  if (portText === undefined || portText === '') return { host, port: DEFAULT_PROXY_PORT };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    return { error: `bad port ${JSON.stringify(portText)} in ${JSON.stringify(text)}` };
  }
  return { host, port: Number(portText) };
}
