import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetError, tcpConnect, type NetTransport } from '../../src/transport.js';
import {
  NO_VALUE_NOTE,
  PacRuntime,
  buildWinHttpSettings,
  buildWinInetSettings,
  effectiveSettings,
  encodeSettings,
  encodeWinHttpSettings,
  flagNames,
  readWinInetState,
  resolveRoute,
  winHttpOnlyNote,
  type WinInetState,
} from '../../src/wininet/index.js';
import { FileRegistryStore } from '../../src/registry/index.js';

const PING = 'https://contosoatpsensorapi.atp.azure.com/tri/sensor/api/ping';

/** Serves PAC files from memory and counts requests per path. */
let server: http.Server;
let port: number;
const files = new Map<string, { status: number; body: string }>();
const hits = new Map<string, number>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const key = `${req.headers.host?.replace(/:\d+$/, '')}${req.url}`;
    hits.set(key, (hits.get(key) ?? 0) + 1);
    const f = files.get(key);
    res.writeHead(f?.status ?? 404, { 'content-type': 'application/x-ns-proxy-autoconfig' });
    res.end(f?.body ?? 'not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/**
 * A fake network: a name table instead of DNS (nothing else resolves), and every TCP connect
 * to 10.0.0.80 (any port) lands on the local PAC server; others are refused.
 */
function fakeTransport(names: Record<string, string[]>, dnsSuffixes: string[] = []): NetTransport & { lookups: string[] } {
  const lookups: string[] = [];
  return {
    dnsSuffixes,
    lookups,
    async lookup(host) {
      lookups.push(host);
      const a = names[host.toLowerCase()];
      if (!a) throw new NetError('ENOTFOUND', `${host}: not found`);
      return a;
    },
    async connect(address, _port, opts) {
      if (address === '10.0.0.80') return tcpConnect('127.0.0.1', port, opts);
      if (address === '127.0.0.1') return tcpConnect(address, _port, opts);
      throw new NetError('ECONNREFUSED', `${address}:${_port} refused`);
    },
  };
}

function state(input: Parameters<typeof buildWinInetSettings>[0] | null, extra: Partial<WinInetState> = {}): WinInetState {
  return { wininet: input ? buildWinInetSettings(input) : null, ...extra };
}

const NAMES = { 'pac.contoso.com': ['10.0.0.80'], 'wpad.contoso.com': ['10.0.0.80'], 'proxy-a.lab': ['10.9.9.9'] };

describe('static settings', () => {
  const t = fakeTransport(NAMES);

  it('no value at all, no WPAD on the network: DIRECT after discovery fails, source none, and says so', async () => {
    const lt = fakeTransport(NAMES, ['fabrikam.com']);
    const r = await resolveRoute(state(null), PING, { transport: lt });
    expect(r).toMatchObject({ failed: false, candidates: [{ kind: 'DIRECT' }], source: 'none' });
    expect(!r.failed && r.notes[0]).toBe('no value: Windows default, automatically detect');
    expect(!r.failed && r.notes.join()).toMatch(/found no script \(tried http:\/\/wpad\.fabrikam\.com\/wpad\.dat\)/);
    expect(lt.lookups).toEqual(['wpad.fabrikam.com']);
  });

  it('a value without proxy: DIRECT from the static settings', async () => {
    const r = await resolveRoute(state({}), PING, { transport: t });
    expect(r).toMatchObject({ failed: false, candidates: [{ kind: 'DIRECT' }], source: 'wininet-static' });
  });

  it('static proxy, and the bypass list', async () => {
    const s = state({ proxy: 'proxy.contoso.com:8080', bypass: '*.azure.com;<local>' });
    expect(await resolveRoute(state({ proxy: 'proxy.contoso.com:8080' }), PING, { transport: t })).toMatchObject({
      candidates: [{ kind: 'PROXY', host: 'proxy.contoso.com', port: 8080 }],
      source: 'wininet-static',
    });
    const r = await resolveRoute(s, PING, { transport: t });
    expect(r).toMatchObject({ candidates: [{ kind: 'DIRECT' }], source: 'wininet-static' });
    expect(!r.failed && r.notes.join()).toMatch(/bypass entry \*\.azure\.com/);
  });

  it('a proxy string with only http= sends https direct, and says why', async () => {
    const r = await resolveRoute(state({ proxy: 'http=proxy:8080' }), PING, { transport: t });
    expect(r).toMatchObject({ candidates: [{ kind: 'DIRECT' }] });
    expect(!r.failed && r.notes.join()).toMatch(/no https= entry/);
  });

  it('a cleared PROXY flag ignores a stored proxy string', async () => {
    const s = buildWinInetSettings({ proxy: 'proxy:8080' });
    s.flags = 1;
    expect(await resolveRoute({ wininet: s }, PING, { transport: t })).toMatchObject({ candidates: [{ kind: 'DIRECT' }] });
  });

  it('notes WinHTTP-only proxies', async () => {
    const winhttp = buildWinHttpSettings({ proxy: 'proxy.contoso.com:8080' });
    for (const wininet of [null, buildWinInetSettings({})]) {
      const r = await resolveRoute({ wininet, winhttp }, PING, { transport: t });
      expect(!r.failed && r.notes).toContain(winHttpOnlyNote(winhttp));
      expect(winHttpOnlyNote(winhttp)).toMatch(/WinHTTP is configured with a proxy .* but WinINET is not; the sensor uses WinINET/);
    }
    const r = await resolveRoute({ wininet: buildWinInetSettings({ proxy: 'p:1' }), winhttp }, PING, { transport: t });
    expect(!r.failed && r.notes).not.toContain(winHttpOnlyNote(winhttp));
  });
});

describe('PAC', () => {
  it('fetches the PAC over the injected transport from a real HTTP server and keeps candidate order', async () => {
    files.set('pac.contoso.com/proxy.pac', {
      status: 200,
      body: 'function FindProxyForURL(url, host) { if (dnsDomainIs(host, ".atp.azure.com")) return "PROXY proxy-a.lab:3128; PROXY 10.1.1.1:8080; DIRECT"; return "DIRECT"; }',
    });
    const t = fakeTransport(NAMES);
    const pacUrl = `http://pac.contoso.com:${port}/proxy.pac`;
    const r = await resolveRoute(state({ pac: pacUrl }), PING, { transport: t });
    expect(r).toEqual({
      failed: false,
      source: 'pac',
      pacUrl,
      notes: [],
      candidates: [
        { kind: 'PROXY', host: 'proxy-a.lab', port: 3128 },
        { kind: 'PROXY', host: '10.1.1.1', port: 8080 },
        { kind: 'DIRECT' },
      ],
    });
    expect(t.lookups).toEqual(['pac.contoso.com']);
  });

  it('dnsResolve / isResolvable / isInNet / myIpAddress use the transport, never real DNS', async () => {
    files.set('pac.contoso.com/dns.pac', {
      status: 200,
      body: `function FindProxyForURL(url, host) {
        if (!isResolvable("localhost")) { /* real DNS would resolve it */ }
        var ip = dnsResolve(host);
        if (isInNet(host, "10.20.0.0", "255.255.0.0") && myIpAddress() == "10.20.0.5") return "PROXY in-net:1";
        return "PROXY other:2 ; " + (isResolvable("localhost") ? "DIRECT" : "PROXY nolocal:3") + (ip == null ? "; PROXY unresolved:4" : "");
      }`,
    });
    const t = fakeTransport({ ...NAMES, 'contosoatpsensorapi.atp.azure.com': ['10.20.1.1'] });
    const ctx = { transport: t, myIpAddress: '10.20.0.5' };
    const pacUrl = `http://pac.contoso.com:${port}/dns.pac`;
    expect(await resolveRoute(state({ pac: pacUrl }), PING, ctx)).toMatchObject({ candidates: [{ kind: 'PROXY', host: 'in-net', port: 1 }] });
    const other = await resolveRoute(state({ pac: pacUrl }), 'https://elsewhere.example/', ctx);
    expect(other).toMatchObject({
      candidates: [
        { kind: 'PROXY', host: 'other', port: 2 },
        { kind: 'PROXY', host: 'nolocal', port: 3 },
        { kind: 'PROXY', host: 'unresolved', port: 4 },
      ],
    });
    expect(t.lookups).toContain('localhost');
    expect(t.lookups).toContain('elsewhere.example');
  });

  it('a PAC that cannot be fetched, with nothing else: ROUTE_PAC_UNAVAILABLE', async () => {
    const t = fakeTransport(NAMES);
    for (const pacUrl of [`http://pac.contoso.com:${port}/missing.pac`, 'http://nowhere.contoso.com/x.pac', 'http://10.0.0.99/x.pac']) {
      const r = await resolveRoute(state({ pac: pacUrl }), PING, { transport: t });
      expect(r).toMatchObject({ failed: true, code: 'ROUTE_PAC_UNAVAILABLE', source: 'pac', pacUrl });
    }
    const r = await resolveRoute(state({ pac: `http://pac.contoso.com:${port}/missing.pac` }), PING, { transport: t });
    expect(r.failed && r.detail).toMatch(/HTTP 404.*no static proxy/);
  });

  it('a PAC that cannot be fetched falls back to the static proxy, with a note', async () => {
    const r = await resolveRoute(state({ pac: 'http://nowhere.contoso.com/x.pac', proxy: 'proxy:8080' }), PING, { transport: fakeTransport(NAMES) });
    expect(r).toMatchObject({ failed: false, source: 'wininet-static', candidates: [{ kind: 'PROXY', host: 'proxy', port: 8080 }] });
    expect(!r.failed && r.notes.join('\n')).toMatch(/could not be fetched[\s\S]*falling back to the static proxy/);
  });

  it.each([
    ['throws', 'function FindProxyForURL(u, h) { throw new Error("boom"); }', /boom/],
    ['returns nothing', 'function FindProxyForURL(u, h) { }', /nothing usable/],
    ['returns only SOCKS', 'function FindProxyForURL(u, h) { return "SOCKS s:1080"; }', /nothing usable.*SOCKS/],
    ['does not compile', 'function FindProxyForURL(u, h) { return "DIRECT"; ', /does not compile/],
    ['has no FindProxyForURL', 'function findProxy(u, h) { return "DIRECT"; }', /does not compile/],
    ['never returns', 'function FindProxyForURL(u, h) { for(;;){} }', /interrupted|longer than/],
  ])('a PAC that %s: ROUTE_PAC_ERROR', async (name, body, detail) => {
    const file = `/err-${name.replace(/\W/g, '')}.pac`;
    files.set(`pac.contoso.com${file}`, { status: 200, body });
    const pacUrl = `http://pac.contoso.com:${port}${file}`;
    const r = await resolveRoute(state({ pac: pacUrl }), PING, { transport: fakeTransport(NAMES), pacEvalTimeoutMs: 300 });
    expect(r).toMatchObject({ failed: true, code: 'ROUTE_PAC_ERROR', source: 'pac', pacUrl });
    expect(r.failed && r.detail).toMatch(detail);
  });

  it('fetches and compiles once per runtime for many URLs', async () => {
    files.set('pac.contoso.com/cache.pac', { status: 200, body: 'function FindProxyForURL(u, h) { return "PROXY p:" + (h.length); }' });
    const t = fakeTransport(NAMES);
    using pac = new PacRuntime({ transport: t });
    const pacUrl = `http://pac.contoso.com:${port}/cache.pac`;
    const hosts = ['a.example', 'bb.example', 'ccc.example', 'dddd.example'];
    const results = await Promise.all(hosts.map((h) => resolveRoute(state({ pac: pacUrl }), `https://${h}/`, { transport: t, pac })));
    expect(results.map((r) => !r.failed && r.candidates[0])).toEqual(hosts.map((h) => ({ kind: 'PROXY', host: 'p', port: h.length })));
    expect(hits.get('pac.contoso.com/cache.pac')).toBe(1);
    expect(pac.compiledCount).toBe(1);
  });
});

describe('WPAD', () => {
  it('searches wpad.<suffix> with shorter suffixes; the first that serves wins', async () => {
    files.set('wpad.contoso.com/wpad.dat', { status: 200, body: 'function FindProxyForURL(u, h) { return "PROXY wpad-proxy:8080"; }' });
    const t = fakeTransport(NAMES, ['eu.corp.contoso.com']);
    const r = await resolveRoute(state({ autoDetect: true }), PING, { transport: t });
    expect(r).toMatchObject({
      failed: false,
      source: 'wpad',
      pacUrl: 'http://wpad.contoso.com/wpad.dat',
      candidates: [{ kind: 'PROXY', host: 'wpad-proxy', port: 8080 }],
    });
    expect(t.lookups).toEqual(['wpad.eu.corp.contoso.com', 'wpad.corp.contoso.com', 'wpad.contoso.com']);
  });

  it('no value at all on a network with WPAD: the WPAD proxy (the Windows default)', async () => {
    files.set('wpad.contoso.com/wpad.dat', { status: 200, body: 'function FindProxyForURL(u, h) { return "PROXY wpad-proxy:8080"; }' });
    for (const st of [state(null), effectiveSettings({ perUser: null })]) {
      const r = await resolveRoute(st, PING, { transport: fakeTransport(NAMES, ['contoso.com']) });
      expect(r).toMatchObject({ failed: false, source: 'wpad', candidates: [{ kind: 'PROXY', host: 'wpad-proxy', port: 8080 }] });
      expect(!r.failed && r.notes).toContain(NO_VALUE_NOTE);
    }
  });

  it('WPAD goes before the PAC URL and the static proxy', async () => {
    const t = fakeTransport(NAMES, ['contoso.com']);
    const r = await resolveRoute(state({ autoDetect: true, pac: `http://pac.contoso.com:${port}/proxy.pac`, proxy: 'static:1' }), PING, { transport: t });
    expect(r).toMatchObject({ source: 'wpad' });
  });

  it('no WPAD script: DIRECT as on most networks, with a note (not a failure)', async () => {
    const r = await resolveRoute(state({ autoDetect: true }), PING, { transport: fakeTransport(NAMES, ['fabrikam.com']) });
    expect(r).toMatchObject({ failed: false, source: 'wininet-static', candidates: [{ kind: 'DIRECT' }] });
    expect(!r.failed && r.notes.join()).toMatch(/found no script \(tried http:\/\/wpad\.fabrikam\.com\/wpad\.dat\)/);
  });

  it('no WPAD script then a PAC URL: the PAC decides', async () => {
    const pacUrl = `http://pac.contoso.com:${port}/proxy.pac`;
    const r = await resolveRoute(state({ autoDetect: true, pac: pacUrl }), PING, { transport: fakeTransport(NAMES, ['fabrikam.com']) });
    expect(r).toMatchObject({ source: 'pac', pacUrl });
  });

  it('a WPAD script that fails with nothing behind it: ROUTE_PAC_ERROR from wpad', async () => {
    files.set('wpad.broken.example/wpad.dat', { status: 200, body: 'function FindProxyForURL(u, h) { return 42; }' });
    const t = fakeTransport({ 'wpad.broken.example': ['10.0.0.80'] }, ['broken.example']);
    const r = await resolveRoute(state({ autoDetect: true }), PING, { transport: t });
    expect(r).toMatchObject({ failed: true, code: 'ROUTE_PAC_ERROR', source: 'wpad', pacUrl: 'http://wpad.broken.example/wpad.dat' });
  });
});

describe('effective settings', () => {
  it('ProxySettingsPerUser=0 makes every identity use HKLM', () => {
    const machine = encodeSettings({ proxy: 'machine:8080' });
    const s = effectiveSettings({ perUser: null, machine, proxySettingsPerUser: 0 });
    expect(s.scope).toBe('machine');
    expect(s.wininet?.proxyServer).toBe('machine:8080');
    const perUser = effectiveSettings({ perUser: null, machine, proxySettingsPerUser: 1 });
    expect(perUser).toMatchObject({ noValue: true, wininet: { flags: 0x9 } });
    const noMachine = effectiveSettings({ perUser: null, machine: null, proxySettingsPerUser: 0 });
    expect(noMachine).toMatchObject({ noValue: true, scope: 'machine', wininet: { flags: 0x9 } });
    expect(noMachine.notes?.join()).toMatch(/Windows default \(automatically detect, then direct\)/);
  });

  it('a missing value is the Windows default: automatically detect, then direct', () => {
    const s = effectiveSettings({ perUser: undefined });
    expect(s.noValue).toBe(true);
    expect(flagNames(s.wininet!.flags)).toEqual(['DIRECT', 'AUTO_DETECT']);
    expect(effectiveSettings({ perUser: encodeSettings({}) }).noValue).toBeUndefined();
  });

  it('reads an identity from a lab registry', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'atpnl-state-'));
    try {
      const store = new FileRegistryStore(dir);
      const conn = 'Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections';
      await store.writeValue(`HKU\\S-1-5-19\\${conn}`, 'DefaultConnectionSettings', { type: 'REG_BINARY', data: encodeSettings({ proxy: 'ls:3128' }) });
      await store.writeValue(`HKLM\\${conn}`, 'WinHttpSettings', { type: 'REG_BINARY', data: encodeWinHttpSettings(buildWinHttpSettings({ proxy: 'wh:80' })) });
      const ls = await readWinInetState(store, 'LocalService');
      expect(ls.wininet?.proxyServer).toBe('ls:3128');
      expect(ls.winhttp?.proxyServer).toBe('wh:80');
      const sys = await readWinInetState(store, 'LocalSystem');
      expect(sys).toMatchObject({ noValue: true, wininet: { flags: 0x9 } });
      const r = await resolveRoute(sys, PING, { transport: fakeTransport({}) });
      expect(!r.failed && r.notes[0]).toMatch(/^WinHTTP is configured with a proxy \(wh:80\) but WinINET is not/);
      expect(!r.failed && r.notes).toContain(NO_VALUE_NOTE);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('WinHTTP note with WPAD', () => {
  it('is not added when WPAD gave WinINET a proxy', async () => {
    files.set('wpad.contoso.com/wpad.dat', { status: 200, body: 'function FindProxyForURL(u, h) { return "PROXY wpad-proxy:8080"; }' });
    const winhttp = buildWinHttpSettings({ proxy: 'wh:80' });
    const found = await resolveRoute({ wininet: buildWinInetSettings({ autoDetect: true }), winhttp }, PING, { transport: fakeTransport(NAMES, ['contoso.com']) });
    expect(!found.failed && found.notes).not.toContain(winHttpOnlyNote(winhttp));
    const none = await resolveRoute({ wininet: buildWinInetSettings({ autoDetect: true }), winhttp }, PING, { transport: fakeTransport(NAMES, ['fabrikam.com']) });
    expect(!none.failed && none.notes[0]).toBe(winHttpOnlyNote(winhttp));
  });
});
