/**
 * The v3 sensor's route (WinHTTP as LocalSystem): TelemetryProxyServer, then netsh winhttp,
 * then WPAD, then direct; LocalSystem's WinINET value is never used, only named.
 */
import { describe, expect, it } from 'vitest';
import { MemoryRegistryStore } from '../../src/registry/memory-registry-store.js';
import { regBinary } from '../../src/registry/value.js';
import { NetError, type NetTransport } from '../../src/transport.js';
import { buildWinHttpSettings, encodeSettings, encodeWinHttpSettings, identityConnectionsKey, MACHINE_CONNECTIONS_KEY } from '../../src/wininet/index.js';
import { readWinHttpRouteState, resolveWinHttpRoute, TELEMETRY_POLICY_KEY, TELEMETRY_PROXY_VALUE } from '../../src/wininet/winhttp-route.js';

// No name resolves and nothing connects: WPAD discovery finds no script.
const transport: NetTransport = {
  dnsSuffixes: ['contoso.example'],
  async lookup(host) {
    throw new NetError('ENOTFOUND', `${host}: not found`);
  },
  async connect(address, port) {
    throw new NetError('ECONNREFUSED', `${address}:${port} refused`);
  },
};
const URL_V3 = 'https://winatp-gw-cus.microsoft.com/cnc/identity/api';

async function host(o: { tps?: string; winhttp?: string; localSystemWinInet?: string }) {
  const store = new MemoryRegistryStore();
  if (o.tps !== undefined) await store.writeValue(TELEMETRY_POLICY_KEY, TELEMETRY_PROXY_VALUE, { type: 'REG_SZ', data: o.tps });
  if (o.winhttp !== undefined) await store.writeValue(MACHINE_CONNECTIONS_KEY, 'WinHttpSettings', regBinary(encodeWinHttpSettings(buildWinHttpSettings({ proxy: o.winhttp }))));
  if (o.localSystemWinInet !== undefined) await store.writeValue(identityConnectionsKey('LocalSystem'), 'DefaultConnectionSettings', regBinary(encodeSettings({ proxy: o.localSystemWinInet })));
  return resolveWinHttpRoute(await readWinHttpRouteState(store), URL_V3, { transport });
}

describe('v3 route (WinHTTP as LocalSystem)', () => {
  it('TelemetryProxyServer wins over netsh winhttp', async () => {
    const r = await host({ tps: 'tps-proxy:3128', winhttp: 'winhttp-proxy:8080' });
    expect(r).toMatchObject({ failed: false, source: 'telemetry-proxy-server', candidates: [{ kind: 'PROXY', host: 'tps-proxy', port: 3128 }] });
  });

  it('netsh winhttp when no TelemetryProxyServer', async () => {
    const r = await host({ winhttp: 'winhttp-proxy:8080', localSystemWinInet: 'wininet-proxy:8080' });
    expect(r).toMatchObject({ failed: false, source: 'winhttp', candidates: [{ kind: 'PROXY', host: 'winhttp-proxy', port: 8080 }] });
  });

  it('a TelemetryProxyServer that is not host:port is ignored with a note, not used', async () => {
    const r = await host({ tps: 'not a proxy', winhttp: 'winhttp-proxy:8080' });
    expect(r.failed).toBe(false);
    if (r.failed) return;
    expect(r.source).toBe('winhttp');
    expect(r.notes.join(' ')).toMatch(/TelemetryProxyServer "not a proxy" is not host:port/);
  });

  it('only WinINET configured (the v2 legacy copy): direct, and the ignored WinINET proxy is named', async () => {
    const r = await host({ localSystemWinInet: 'wininet-proxy:8080' });
    expect(r).toMatchObject({ failed: false, source: 'none', candidates: [{ kind: 'DIRECT' }] });
    if (r.failed) return;
    expect(r.notes[0]).toMatch(/LocalSystem's WinINET holds a proxy \(wininet-proxy:8080\).*legacy WinINET copy is not used/);
  });

  it('nothing configured: direct after WPAD finds no script, no WinINET note', async () => {
    const r = await host({});
    expect(r).toMatchObject({ failed: false, source: 'none', candidates: [{ kind: 'DIRECT' }] });
    if (r.failed) return;
    expect(r.notes.join(' ')).not.toMatch(/WinINET holds/);
    expect(r.notes.join(' ')).toMatch(/WPAD\) found no script/);
  });
});
