/**
 * The .reg files the project generates, imported by Wine's regedit and reg.exe and exported
 * back by them: REG_BINARY data must come back byte-exact, and Wine's own exports must decode
 * to what was encoded. Also Wine's known registry deviations, each asserted by name.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeInput } from '../../src/cli/commands/decode.js';
import { encodeCommand } from '../../src/cli/commands/encode.js';
import { proxyCopyCommand } from '../../src/cli/commands/proxy-copy.js';
import { readRegFileBytes, writeRegFileBytes, type RegFile, type RegFileFormat } from '../../src/registry/index.js';
import { toHex } from '../../src/wininet/hex.js';
import { CONNECTIONS, HKCU_CONN, HKLM_CONN, useWineSession } from './wine-harness.js';

const wine = useWineSession('reg-files');


/** Every (key, value) → hex of a .reg document, as our reader sees it. */
function binaries(doc: RegFile): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of doc.entries) {
    if (e.kind !== 'key') continue;
    for (const v of e.values) {
      if (v.value && 'data' in v.value && v.value.data instanceof Uint8Array) out.set(`${e.path.toLowerCase()}\\${v.name}`, `${v.value.type}:${toHex(v.value.data)}`);
    }
  }
  return out;
}

function asFormat(bytes: Uint8Array, format: RegFileFormat): Uint8Array {
  return writeRegFileBytes({ ...readRegFileBytes(bytes), format });
}

/** The generated files: encode output for each kind of value, and proxy-copy's .reg. */
async function generatedFiles(): Promise<{ name: string; bytes: Uint8Array; keys: string[] }[]> {
  const encodes: [string, Parameters<typeof encodeCommand>[0]][] = [
    ['static proxy', { proxy: 'proxy.contoso.com:8080', bypass: '<local>;*.contoso.com', format: 'reg' }],
    ['PAC and auto-detect', { pac: 'http://pac.contoso.com/proxy.pac', autoDetect: true, counter: 0x1234, format: 'reg' }],
    ['long bypass list (many continuation lines), 8-bit text', { proxy: 'http=p\u00e9:80;https=p2:443', bypass: Array.from({ length: 40 }, (_, i) => `*.site${i}.example`).join(';'), format: 'reg' }],
    ['WinHttpSettings 0x28', { winhttp: true, proxy: 'proxy.contoso.com:8080', bypass: '<local>', format: 'reg' }],
    ['WinHttpSettings 0x18', { winhttp: true, proxy: 'proxy.contoso.com:8080', winhttpVersion: 0x18, format: 'reg' }],
  ];
  const out = encodes.map(([name, o]) => ({ name: `encode: ${name}`, bytes: encodeCommand(o).fileBytes, keys: [o.winhttp ? HKLM_CONN : HKCU_CONN] }));
  const src = path.join(wine.scratch, 'hkcu-source.reg');
  await writeFile(src, encodeCommand({ proxy: 'proxy.contoso.com:8080', bypass: '<local>', format: 'reg' }).fileBytes);
  const pcOut = path.join(wine.scratch, 'pc');
  await proxyCopyCommand({ reg: src, out: pcOut, platform: 'linux' });
  const pc = await readFile(path.join(pcOut, 'proxy-copy.reg'));
  const pcKeys = [...binaries(readRegFileBytes(pc)).keys()].map((k) => k.slice(0, k.lastIndexOf('\\')));
  out.push({ name: 'proxy-copy.reg', bytes: Uint8Array.from(pc), keys: [...new Set(pcKeys)] });
  return out.flatMap((f) => [
    { ...f, name: `${f.name} (UTF-16LE)` },
    { ...f, name: `${f.name} (REGEDIT4)`, bytes: asFormat(f.bytes, 'regedit4') },
  ]);
}

describe('Wine imports and exports the generated .reg files byte-exact', () => {
  const importers = {
    'wine regedit /S': (file: string) => ['regedit', '/S', file],
    'wine reg import': (file: string) => ['reg', 'import', file],
  } as const;

  for (const [importer, argv] of Object.entries(importers)) {
    it(`${importer}: encode and proxy-copy output, both formats`, async () => {
      const files = await generatedFiles();
      expect(files.map((f) => f.name)).toHaveLength(12);
      for (const f of files) {
        for (const key of f.keys) await wine.wine(['reg', 'delete', key.replace(/^HKEY_USERS/i, 'HKU').replace(/^HKEY_CURRENT_USER/i, 'HKCU').replace(/^HKEY_LOCAL_MACHINE/i, 'HKLM'), '/f']);
        const host = path.join(wine.scratch, 'import.reg');
        await writeFile(host, f.bytes);
        const imp = await wine.wine(argv(wine.winPath(host)));
        expect(imp.code, `${f.name}: ${imp.stdout}${imp.stderr}`).toBe(0);
        const want = binaries(readRegFileBytes(f.bytes));
        const got = new Map<string, string>();
        for (const [i, key] of f.keys.entries()) {
          const back = path.join(wine.scratch, `export-${i}.reg`);
          const exp = await wine.wine(['reg', 'export', key, wine.winPath(back), '/y']);
          expect(exp.code, `${f.name}: export ${key}: ${exp.stderr}`).toBe(0);
          for (const [k, v] of binaries(readRegFileBytes(await readFile(back)))) got.set(k, v);
        }
        for (const [k, v] of want) expect(got.get(k), `${f.name}: ${k}`).toBe(v);
      }
    });
  }

  it("decodes Wine's own exports (regedit /E and reg export) to what was encoded", async () => {
    const enc = encodeCommand({ proxy: 'proxy.contoso.com:8080', bypass: '<local>', pac: 'http://pac/p.pac', format: 'reg' });
    const host = path.join(wine.scratch, 'dcs.reg');
    await writeFile(host, enc.fileBytes);
    expect((await wine.wine(['regedit', '/S', wine.winPath(host)])).code).toBe(0);
    const viaRegedit = path.join(wine.scratch, 'regedit-export.reg');
    const viaReg = path.join(wine.scratch, 'reg-export.reg');
    expect((await wine.wine(['regedit', '/E', wine.winPath(viaRegedit), HKCU_CONN])).code).toBe(0);
    expect((await wine.wine(['reg', 'export', 'HKCU\\' + CONNECTIONS, wine.winPath(viaReg), '/y'])).code).toBe(0);
    for (const file of [viaRegedit, viaReg]) {
      const bytes = await readFile(file);
      expect([bytes[0], bytes[1]], file).toEqual([0xff, 0xfe]);
      const { values, warnings } = await decodeInput(file);
      expect(warnings).toEqual([]);
      const dcs = values.find((v) => v.value === 'DefaultConnectionSettings');
      expect(dcs).toMatchObject({ format: 'wininet', version: 0x46, flags: 7, proxyServer: 'proxy.contoso.com:8080', bypassList: '<local>', autoConfigUrl: 'http://pac/p.pac', byteLength: enc.bytes.length });
      // our writer produces Wine's export of the same key byte for byte (wrapping, CRLF, BOM)
      expect(Buffer.from(writeRegFileBytes(readRegFileBytes(bytes))).equals(bytes), file).toBe(true);
    }
  });
});

describe("Wine's registry deviations and Windows behaviours, by name", () => {
  it('Wine deviation: reg.exe has no "compare" (the 2018 procedure\'s verification step)', async () => {
    const r = await wine.wine(['reg', 'compare', 'HKCU\\Software', 'HKCU\\Software']);
    expect(r.code).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/invalid option|compare/i);
  });

  it('Windows behaviour (Wine agrees): reg add /t REG_NONE /d <hex> stores the text, not the bytes', async () => {
    const key = 'HKCU\\Software\\atp-netlab-wine\\none';
    expect((await wine.wine(['reg', 'add', key, '/v', 'N', '/t', 'REG_NONE', '/d', '4600', '/f'])).code).toBe(0);
    const file = path.join(wine.scratch, 'none.reg');
    expect((await wine.wine(['reg', 'export', key, wine.winPath(file), '/y'])).code).toBe(0);
    const got = binaries(readRegFileBytes(await readFile(file))).get(`hkey_current_user\\software\\atp-netlab-wine\\none\\N`);
    expect(got).toBe(`REG_NONE:${Buffer.from('4600\0', 'utf16le').toString('hex')}`);
  });

  it('Wine deviation: HKU\\S-1-5-18 and HKU\\S-1-5-19 live only in memory (gone when the wineserver restarts)', async () => {
    for (const sid of ['S-1-5-18', 'S-1-5-19']) {
      expect((await wine.wine(['reg', 'add', `HKU\\${sid}\\Software\\atp-netlab-wine`, '/v', 'A', '/t', 'REG_DWORD', '/d', '1', '/f'])).code).toBe(0);
      expect((await wine.wine(['reg', 'query', `HKU\\${sid}\\Software\\atp-netlab-wine`])).code).toBe(0);
    }
    expect((await wine.wine(['reg', 'add', 'HKCU\\Software\\atp-netlab-wine', '/v', 'A', '/t', 'REG_DWORD', '/d', '1', '/f'])).code).toBe(0);
    await wine.restartServer();
    for (const sid of ['S-1-5-18', 'S-1-5-19']) expect((await wine.wine(['reg', 'query', `HKU\\${sid}\\Software\\atp-netlab-wine`])).code).not.toBe(0);
    expect((await wine.wine(['reg', 'query', 'HKCU\\Software\\atp-netlab-wine'])).code).toBe(0);
  });
});
