/**
 * Wine's WinHTTP and WinINET read the values the project encodes, through small C programs
 * compiled with MinGW (test/wine/c/): the same proxy, bypass list, PAC URL and auto-detect
 * must come out of WinHttpGetIEProxyConfigForCurrentUser and WinHttpGetDefaultProxyConfiguration.
 * What Wine's WinHttpSetDefaultProxyConfiguration writes is decoded by the project. Wine's
 * deviations from Windows are asserted by name, so a change on either side shows. And
 * windowsCommandLine() is checked against the MSVCRT argv parser.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeRegText, readRegFileBytes, windowsCommandLine, writeRegText } from '../../src/registry/index.js';
import { buildWinHttpSettings, decodeConnectionSettings, encodeSettings, encodeWinHttpSettings, type SettingsInput } from '../../src/wininet/index.js';
import { CONNECTIONS, startWineSession, wineSkipReason, type WineSession } from './wine-harness.js';

const skipReason = wineSkipReason();
if (skipReason) console.warn(`Wine suite (winhttp) skipped: ${skipReason}`);

let wine: WineSession;
let winhttpRead: string;
let winhttpSet: string;
let wininetRead: string;
beforeAll(async () => {
  if (skipReason) return;
  wine = await startWineSession();
  [winhttpRead, winhttpSet, wininetRead] = await Promise.all([
    wine.compile('winhttp-read', ['winhttp']),
    wine.compile('winhttp-set-default', ['winhttp'], { unicode: true }),
    wine.compile('wininet-read', ['wininet']),
    wine.compile('argv-echo', [], { unicode: true }),
    wine.compile('argv-launch', [], { unicode: true }),
  ]);
}, 300_000);
afterAll(async () => {
  await wine?.dispose();
});
beforeEach((ctx) => {
  if (skipReason) ctx.skip(skipReason);
});

const HKCU_CONN = `HKEY_CURRENT_USER\\${CONNECTIONS}`;
const HKLM_CONN = `HKEY_LOCAL_MACHINE\\${CONNECTIONS}`;
const HKCU_IS = 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings';

interface WinHttpView {
  ie: { autoDetect: boolean; autoConfigUrl: string | null; proxy: string | null; bypass: string | null };
  default: { accessType: number; proxy: string | null; bypass: string | null };
}
const WINHTTP_ACCESS_TYPE_NO_PROXY = 1;
const WINHTTP_ACCESS_TYPE_NAMED_PROXY = 3;

/** Imports one binary value with Wine's reg.exe (the path the project's own files take). */
async function setBinary(key: string, name: string, bytes: Uint8Array | null): Promise<void> {
  if (bytes === null) {
    await wine.wine(['reg', 'delete', key, '/v', name, '/f']);
    return;
  }
  const file = path.join(wine.scratch, 'value.reg');
  await writeFile(file, encodeRegText(writeRegText({ format: 'regedit5', entries: [{ kind: 'key', path: key, values: [{ name, value: { type: 'REG_BINARY', data: bytes } }] }] }), 'regedit5'));
  const r = await wine.wine(['reg', 'import', wine.winPath(file)]);
  expect(r.code, r.stderr).toBe(0);
}

async function readWinHttp(): Promise<WinHttpView> {
  const r = await wine.wine([winhttpRead]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return JSON.parse(r.stdout) as WinHttpView;
}

describe("Wine's WinHTTP reads the DefaultConnectionSettings the project encodes", () => {
  const cases: [string, SettingsInput][] = [
    ['static proxy with bypass', { proxy: 'proxy.contoso.com:8080', bypass: '<local>;*.contoso.com' }],
    ['per-scheme proxy', { proxy: 'http=p1.contoso.com:80;https=p2.contoso.com:443' }],
    ['PAC URL', { pac: 'http://pac.contoso.com/proxy.pac' }],
    ['auto-detect', { autoDetect: true }],
    ['everything at once', { proxy: 'proxy.contoso.com:3128', bypass: '<local>', pac: 'http://wpad.contoso.com/wpad.dat', autoDetect: true }],
    ['direct (a value with no option ticked)', {}],
  ];
  it.each(cases)('%s', async (_name, input) => {
    await setBinary(HKCU_CONN, 'DefaultConnectionSettings', encodeSettings(input));
    const { ie } = await readWinHttp();
    expect(ie).toEqual({
      autoDetect: input.autoDetect === true,
      autoConfigUrl: input.pac ?? null,
      proxy: input.proxy ?? null,
      bypass: input.proxy && input.bypass ? input.bypass : null,
    });
  });

  it('no value: auto-detect, as the project now models the Windows default', async () => {
    await setBinary(HKCU_CONN, 'DefaultConnectionSettings', null);
    expect((await readWinHttp()).ie).toEqual({ autoDetect: true, autoConfigUrl: null, proxy: null, bypass: null });
  });
});

describe("Wine's WinHTTP reads the WinHttpSettings the project encodes", () => {
  it('version 0x18: the named proxy and bypass list', async () => {
    await setBinary(HKLM_CONN, 'WinHttpSettings', encodeWinHttpSettings(buildWinHttpSettings({ proxy: 'proxy.contoso.com:8080', bypass: '<local>', version: 0x18 })));
    expect((await readWinHttp()).default).toEqual({ accessType: WINHTTP_ACCESS_TYPE_NAMED_PROXY, proxy: 'proxy.contoso.com:8080', bypass: '<local>' });
  });

  it('Wine deviation: version 0x28 (what current Windows writes) is read as "no proxy"', async () => {
    await setBinary(HKLM_CONN, 'WinHttpSettings', encodeWinHttpSettings(buildWinHttpSettings({ proxy: 'proxy.contoso.com:8080', bypass: '<local>' })));
    expect((await readWinHttp()).default).toEqual({ accessType: WINHTTP_ACCESS_TYPE_NO_PROXY, proxy: null, bypass: null });
  });

  it('Wine deviation: a value whose second DWORD (counter) is not 0 is ignored', async () => {
    const s = buildWinHttpSettings({ proxy: 'proxy.contoso.com:8080', version: 0x18 });
    await setBinary(HKLM_CONN, 'WinHttpSettings', encodeWinHttpSettings({ ...s, counter: 1 }));
    expect((await readWinHttp()).default.accessType).toBe(WINHTTP_ACCESS_TYPE_NO_PROXY);
  });

  it('Wine deviation: WinHttpSetDefaultProxyConfiguration writes 0x18 with flags 0x2 (netsh on Windows writes 0x3); the project decodes it', async () => {
    const r = await wine.wine([winhttpSet, 'proxy.contoso.com:8080', '<local>;*.contoso.com']);
    expect(r.stdout.trim()).toBe('ok');
    const file = path.join(wine.scratch, 'winhttp-export.reg');
    expect((await wine.wine(['reg', 'export', `HKLM\\${CONNECTIONS}`, wine.winPath(file), '/y'])).code).toBe(0);
    const doc = readRegFileBytes(await readFile(file));
    const entry = doc.entries.find((e) => e.kind === 'key' && e.path.toLowerCase() === HKLM_CONN.toLowerCase());
    const value = entry?.kind === 'key' ? entry.values.find((v) => v.name === 'WinHttpSettings')?.value : undefined;
    expect(value?.type).toBe('REG_BINARY');
    const decoded = decodeConnectionSettings((value as { data: Uint8Array }).data, 'WinHttpSettings');
    expect(decoded).toMatchObject({ format: 'winhttp', version: 0x18, counter: 0, flags: 0x2, proxyServer: 'proxy.contoso.com:8080', bypassList: '<local>;*.contoso.com' });
    expect(decoded.trailer.length).toBe(0);
    expect((await readWinHttp()).default).toEqual({ accessType: WINHTTP_ACCESS_TYPE_NAMED_PROXY, proxy: 'proxy.contoso.com:8080', bypass: '<local>;*.contoso.com' });
  });
});

describe("Wine deviation: Wine's WinINET ignores the blob and reads ProxyEnable/ProxyServer", () => {
  it('a blob with a proxy is not seen by WinINET; ProxyEnable + ProxyServer are', async () => {
    await wine.wine(['reg', 'delete', HKCU_IS, '/v', 'ProxyEnable', '/f']);
    await wine.wine(['reg', 'delete', HKCU_IS, '/v', 'ProxyServer', '/f']);
    await setBinary(HKCU_CONN, 'DefaultConnectionSettings', encodeSettings({ proxy: 'blob-proxy.contoso.com:8080' }));
    const before = JSON.parse((await wine.wine([wininetRead])).stdout) as { flags: number; proxy: string | null };
    expect(before).toMatchObject({ flags: 1, proxy: null });
    expect((await wine.wine(['reg', 'add', HKCU_IS, '/v', 'ProxyEnable', '/t', 'REG_DWORD', '/d', '1', '/f'])).code).toBe(0);
    expect((await wine.wine(['reg', 'add', HKCU_IS, '/v', 'ProxyServer', '/t', 'REG_SZ', '/d', 'legacy-proxy:3128', '/f'])).code).toBe(0);
    const after = JSON.parse((await wine.wine([wininetRead])).stdout) as { flags: number; proxy: string | null };
    expect(after.flags & 2).toBe(2);
    expect(after.proxy).toBe('legacy-proxy:3128');
  });
});

describe('windowsCommandLine() against the MSVCRT argv parser', () => {
  async function argvOf(args: string[]): Promise<string[]> {
    const exe = 'C:\\atpnl\\argv-echo.exe';
    const file = path.join(wine.scratch, 'cmdline.txt');
    await writeFile(file, Buffer.from(windowsCommandLine(exe, args), 'utf16le'));
    const r = await wine.wine(['C:\\atpnl\\argv-launch.exe', wine.winPath(file)]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as string[]).slice(1);
  }

  it.each([
    [['query', 'HKU\\S-1-5-19\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections', '/v', 'DefaultConnectionSettings']],
    [['']],
    [['a b', 'c\td', 'say "hi"', 'C:\\dir with space\\', 'a\\"b', '\\\\server\\share\\', 'trailing\\\\', '"', '\\"', '\\', 'x"']],
    [['%PATH%', '^&|<>', "it's", 'é ü 中文', '--flag=value with space']],
  ])('round-trips %j', async (args) => {
    expect(await argvOf(args)).toEqual(args);
  });

  it('round-trips generated arguments', async () => {
    const arg = fc.stringMatching(/^[a-z \\"\t'%^&é]{0,12}$/);
    await fc.assert(
      fc.asyncProperty(fc.array(arg, { minLength: 1, maxLength: 6 }), async (args) => {
        expect(await argvOf(args)).toEqual(args);
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
