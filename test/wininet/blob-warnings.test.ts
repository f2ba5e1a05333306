import { describe, expect, it } from 'vitest';
import { connectionSettingsWarnings } from '../../src/wininet/blob-warnings.js';
import { buildWinHttpSettings, buildWinInetSettings, decodeConnectionSettings, encodeSettings } from '../../src/wininet/connection-settings-blob.js';

const base = buildWinInetSettings({ proxy: 'proxy.contoso.com:8080', bypass: '<local>' });

describe('connectionSettingsWarnings', () => {
  it('has nothing to say about values Windows writes', () => {
    expect(connectionSettingsWarnings(base)).toEqual([]);
    expect(connectionSettingsWarnings(decodeConnectionSettings(encodeSettings({ pac: 'http://pac/p.pac', autoDetect: true })))).toEqual([]);
    expect(connectionSettingsWarnings(buildWinHttpSettings({ proxy: 'p:1', bypass: '<local>' }))).toEqual([]);
    expect(connectionSettingsWarnings(buildWinHttpSettings({ version: 0x18 }))).toEqual([]);
    expect(connectionSettingsWarnings({ ...base, version: 0x3c, trailer: new Uint8Array(0) })).toEqual([]);
  });

  it.each([
    ['an absurd version', { version: 0x7fffffff }, /version: 0x7fffffff .*absurd/],
    ['an unusual version', { version: 0x50 }, /version: 0x50 is not a version Windows writes/],
    ['a short trailer', { trailer: new Uint8Array(4) }, /trailer: 4 bytes .* Windows writes 32/],
    ['a long trailer', { trailer: new Uint8Array(40) }, /trailer: 40 bytes/],
    ['unknown flag bits', { flags: 0x93 }, /flags: unknown bits 0x90/],
    ['the top flag bit', { flags: 0x80000003 }, /flags: unknown bits 0x80000000/],
    ['a control character in the proxy', { proxyServer: 'proxy\n:8080' }, /proxyServer: control character 0xa at index 5/],
    ['a NUL in the bypass list', { bypassList: '<local>\0' }, /bypassList: control character 0x0 at index 7/],
    ['DEL in the PAC URL', { autoConfigUrl: 'http://pac/\x7f' }, /autoConfigUrl: control character 0x7f/],
    ['a 70 KB proxy name', { proxyServer: 'p'.repeat(70_000) + ':8080' }, /proxyServer: 70005 bytes long/],
    ['a huge PAC URL', { autoConfigUrl: 'http://pac/' + 'x'.repeat(3000) }, /autoConfigUrl: 3011 bytes long/],
  ])('warns about %s', (_what, patch, message) => {
    const w = connectionSettingsWarnings({ ...base, ...patch });
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(message);
  });

  it('warns about WinHTTP bytes after the bypass list and unknown flags', () => {
    const w = connectionSettingsWarnings({ ...buildWinHttpSettings({ proxy: 'p:1' }), trailer: new Uint8Array(2), flags: 0x13 });
    expect(w).toEqual([expect.stringMatching(/^trailer: 2 bytes/), expect.stringMatching(/^flags: unknown bits 0x10/)]);
  });
});
