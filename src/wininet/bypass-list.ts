/**
 * WinINET's proxy bypass list ("ProxyOverride"): entries separated by `;` (spaces and commas
 * are tolerated, as admins type them), `*` wildcards, case-insensitive. `<local>` bypasses
 * host names without a dot. Loopback is bypassed even when not listed, unless `<-loopback>`
 * is present (Windows 8+ behaviour). An entry may carry a scheme (`https://host`) or a port
 * (`host:8080`); it then only matches URLs with that scheme or port.
 */
import net from 'node:net';

interface BypassPattern {
  text: string;
  scheme?: string;
  port?: number;
  /** Lower-case glob (`*` = any run of characters), matched by wildcardMatch. */
  host: string;
}

export interface BypassList {
  entries: string[];
  local: boolean;
  /** `<-loopback>` present: loopback goes through the proxy like any other host. */
  loopbackProxied: boolean;
  patterns: BypassPattern[];
}

/**
 * `*` glob match without a regular expression: a pattern like `*a*a*a*a*b` compiled to
 * `^.*a.*a.*a.*a.*b$` backtracks polynomially; this greedy two-pointer walk (backtrack only to
 * the last star) is O(pattern × name) at worst and linear in practice.
 */
export function wildcardMatch(glob: string, name: string): boolean {
  let g = 0;
  let n = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    if (g < glob.length && glob[g] !== '*' && glob[g] === name[n]) {
      g++;
      n++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      mark = n;
    } else if (star !== -1) {
      g = star + 1;
      n = ++mark;
    } else return false;
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}

/** Parsed lists by text: a route is resolved per (identity, URL), the list text rarely changes. */
const parsedLists = new Map<string, BypassList>();
const PARSED_LISTS_KEPT = 64;

export function parseBypassList(text: string): BypassList {
  const hit = parsedLists.get(text);
  if (hit) return hit;
  const list = parseBypassListUncached(text);
  if (parsedLists.size >= PARSED_LISTS_KEPT) parsedLists.delete(parsedLists.keys().next().value!);
  parsedLists.set(text, list);
  return list;
}

function parseBypassListUncached(text: string): BypassList {
  const list: BypassList = { entries: [], local: false, loopbackProxied: false, patterns: [] };
  for (const raw of text.split(/[;,\s]+/)) {
    const entry = raw.trim();
    if (entry === '') continue;
    list.entries.push(entry);
    const lower = entry.toLowerCase();
    if (lower === '<local>') {
      list.local = true;
      continue;
    }
    if (lower === '<-loopback>') {
      list.loopbackProxied = true;
      continue;
    }
    let rest = entry;
    let scheme: string | undefined;
    const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest);
    if (m) {
      scheme = m[1]!.toLowerCase();
      rest = rest.slice(m[0].length);
    }
    rest = rest.replace(/\/+$/, '');
    let port: number | undefined;
    const portMatch = /^(\[[^\]]*\]|[^:]*):(\d+)$/.exec(rest);
    if (portMatch) {
      rest = portMatch[1]!;
      port = Number(portMatch[2]);
    }
    rest = rest.replace(/^\[(.*)\]$/, '$1');
    list.patterns.push({ text: entry, ...(scheme ? { scheme } : {}), ...(port !== undefined ? { port } : {}), host: rest.toLowerCase() });
  }
  return list;
}

function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost' || h === 'loopback') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  return h === '::1' || h === '0:0:0:0:0:0:0:1';
}

function defaultPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : url.protocol === 'ftp:' ? 21 : 80;
}

/** Why the URL bypasses the proxy (`<local>`, `loopback` or the matching entry), or undefined. */
export function bypassReason(list: BypassList, url: URL): string | undefined {
  const host = bareHost(url);
  if (!list.loopbackProxied && isLoopbackHost(host)) return 'loopback';
  if (list.local && !host.includes('.') && !net.isIP(host)) return '<local>';
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  for (const p of list.patterns) {
    if (p.scheme !== undefined && p.scheme !== scheme) continue;
    if (p.port !== undefined && p.port !== defaultPort(url)) continue;
    if (wildcardMatch(p.host, host)) return p.text;
  }
  return undefined;
}

export function isBypassed(list: BypassList, url: URL): boolean {
  return bypassReason(list, url) !== undefined;
}
