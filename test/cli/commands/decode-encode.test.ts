import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeInput, registerDecode, renderDecodeTable } from '../../../src/cli/commands/decode.js';
import { encodeCommand, registerEncode } from '../../../src/cli/commands/encode.js';
import { AtpNetlabError } from '../../../src/errors.js';
import { encodeRegText, readRegFileBytes } from '../../../src/registry/index.js';
import { DEFAULT_WINHTTP_SETTINGS, encodeSettings, toHex } from '../../../src/wininet/index.js';
import { runCli } from '../../helpers/run-cli.js';

const CONN = 'Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections';
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'atpnl-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

function hexList(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(',');
}

async function regFile(name: string, lines: string[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, encodeRegText(['Windows Registry Editor Version 5.00', '', ...lines, ''].join('\r\n'), 'regedit5'));
  return file;
}

describe('decode and encode, end to end through the built CLI', () => {
  it('decodes a WinHttpSettings 0x28 value and encodes either version on request', async () => {
    const current = await runCli(['encode', '--winhttp', '--proxy', 'proxy.contoso.com:8080', '--bypass', '<local>']);
    expect(current.code).toBe(0);
    expect(current.stdout.slice(0, 8)).toBe('28000000');
    const old = await runCli(['encode', '--winhttp', '--proxy', 'proxy.contoso.com:8080', '--winhttp-version', '0x18']);
    expect(old.stdout.slice(0, 8)).toBe('18000000');
    const file = await regFile('winhttp.reg', [`[HKEY_LOCAL_MACHINE\\${CONN}]`, `"WinHttpSettings"=hex:${hexList(Buffer.from(current.stdout.trim(), 'hex'))}`]);
    const decoded = await runCli(['decode', file, '--json']);
    expect(decoded.code).toBe(0);
    expect(decoded.stderr).toBe('');
    expect(JSON.parse(decoded.stdout)).toMatchObject([{ value: 'WinHttpSettings', format: 'winhttp', version: 0x28, flags: 3, proxyServer: 'proxy.contoso.com:8080', bypassList: '<local>', warnings: [] }]);
  });

  it('puts warnings on stderr and in the JSON, and still exits 0', async () => {
    const bytes = Uint8Array.from(encodeSettings({ proxy: 'proxy\u0007:8080' }));
    new DataView(bytes.buffer).setUint32(0, 0x7fffffff, true);
    const file = await regFile('odd.reg', [`[HKEY_CURRENT_USER\\${CONN}]`, `"DefaultConnectionSettings"=hex:${hexList(bytes)}`]);
    const r = await runCli(['decode', file, '--json']);
    expect(r.code).toBe(0);
    const [v] = JSON.parse(r.stdout) as { warnings: string[] }[];
    expect(v!.warnings).toEqual([expect.stringMatching(/^version: 0x7fffffff/), expect.stringMatching(/^proxyServer: control character 0x7 at index 5/)]);
    expect(r.stderr).toMatch(/atp-netlab: warning: HKEY_CURRENT_USER\\.*\\Connections\\DefaultConnectionSettings: version: 0x7fffffff/);
    expect(r.stderr).toMatch(/proxyServer: control character/);
  });

  it('fails with exit 2, the line and the byte index for malformed hex, without a stack trace', async () => {
    const file = await regFile('bad.reg', [`[HKEY_CURRENT_USER\\${CONN}]`, '"DefaultConnectionSettings"=hex:46,00,00,00,\\', '  01,00,9,00']);
    const r = await runCli(['decode', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.reg:5: field DefaultConnectionSettings: offset 6 .*one hex digit.*byte 6/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('decode', () => {
  it('decodes hex with spaces/commas into the JSON contract', async () => {
    const { values } = await decodeInput('46 00 00 00, 02 00 00 00, 03 00 00 00, 03 00 00 00, 70 3a 31, 00 00 00 00, 00 00 00 00, 01 00 00 00');
    expect(values).toEqual([
      {
        key: null,
        value: null,
        format: 'wininet',
        version: 70,
        counter: 2,
        flags: 3,
        flagNames: ['DIRECT', 'PROXY'],
        proxyServer: 'p:1',
        bypassList: '',
        autoConfigUrl: '',
        trailerHex: '01000000',
        byteLength: 31,
        warnings: ['trailer: 4 bytes after the PAC URL; Windows writes 32'],
      },
    ]);
    expect((await decodeInput(toHex(DEFAULT_WINHTTP_SETTINGS))).values[0]).toMatchObject({ format: 'winhttp', autoConfigUrl: null, flags: 1 });
  });

  it('decodes every connection value of a .reg export', async () => {
    const dcs = encodeSettings({ proxy: 'proxy:8080', bypass: '<local>', pac: 'http://pac/p.pac' });
    const file = await regFile('export.reg', [
      `[HKEY_CURRENT_USER\\${CONN}]`,
      `"DefaultConnectionSettings"=hex:${hexList(dcs)}`,
      `"SavedLegacySettings"=hex:${hexList(dcs)}`,
      '',
      `[HKEY_LOCAL_MACHINE\\${CONN}]`,
      `"WinHttpSettings"=hex:${hexList(DEFAULT_WINHTTP_SETTINGS)}`,
    ]);
    const { values, warnings } = await decodeInput(file);
    expect(warnings).toEqual([]);
    expect(values.map((v) => [v.key, v.value, v.format, v.autoConfigUrl])).toEqual([
      [`HKEY_CURRENT_USER\\${CONN}`, 'DefaultConnectionSettings', 'wininet', 'http://pac/p.pac'],
      [`HKEY_CURRENT_USER\\${CONN}`, 'SavedLegacySettings', 'wininet', 'http://pac/p.pac'],
      [`HKEY_LOCAL_MACHINE\\${CONN}`, 'WinHttpSettings', 'winhttp', null],
    ]);
    expect(values[0]).toMatchObject({ flagNames: ['DIRECT', 'PROXY', 'AUTO_PROXY_URL'], trailerHex: '00'.repeat(32), byteLength: dcs.length });
    const table = renderDecodeTable(values);
    expect(table).toContain('proxyServer    "proxy:8080"');
    expect(table).toContain('flags          0x7 DIRECT|PROXY|AUTO_PROXY_URL');
  });

  it('a file without connection values fails and names the 2018 misspellings', async () => {
    const file = await regFile('bad.reg', [`[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\InternetSetting\\Connections]`, '"DefaultConnectionSetting"=hex:46,00']);
    const err = (await decodeInput(file).catch((e: unknown) => e)) as AtpNetlabError;
    expect(err).toBeInstanceOf(AtpNetlabError);
    expect(err.code).toBe('ATPNL_REG_NOT_FOUND');
    expect(err.location).toMatchObject({ file, line: 4 });
    expect(err.describe()).toMatch(/DefaultConnectionSetting.*misspelt.*InternetSetting/);
  });

  it('a malformed blob names file, line, field and offset', async () => {
    const file = await regFile('trunc.reg', [`[HKEY_CURRENT_USER\\${CONN}]`, '"DefaultConnectionSettings"=hex:46,00,00,00,01,00,00,00,03,00,00,00,09,00,00,00,70']);
    const err = (await decodeInput(file).catch((e: unknown) => e)) as AtpNetlabError;
    expect(err.code).toBe('ATPNL_BLOB_LENGTH');
    expect(err.location).toEqual({ file, line: 4, field: 'proxyServer', offset: 12 });
    expect(err.describe()).toBe(`${file}:4: field proxyServer: offset 12 (0xc): DefaultConnectionSettings: proxyServer declares 9 bytes but only 1 remain [ATPNL_BLOB_LENGTH]`);
  });

  it('neither file nor hex', async () => {
    await expect(decodeInput(path.join(dir, 'nope.reg'))).rejects.toMatchObject({ code: 'ATPNL_FILE_NOT_FOUND' });
  });

  it('is wired as a command with --json', async () => {
    const program = new Command().exitOverride();
    registerDecode(program, () => undefined);
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    await program.parseAsync(['node', 'atp-netlab', 'decode', toHex(encodeSettings({ proxy: 'p:1' })), '--json']);
    expect(JSON.parse(out.join(''))).toMatchObject([{ proxyServer: 'p:1', version: 70 }]);
    expect(program.commands[0]!.helpInformation() + '').toContain('decode');
  });
});

describe('encode', () => {
  it('prints hex', () => {
    expect(encodeCommand({ proxy: 'proxy:8080', bypass: '<local>' }).text).toBe(`${toHex(encodeSettings({ proxy: 'proxy:8080', bypass: '<local>' }))}\n`);
  });

  it('prints a .reg fragment for the identity hive, and writes UTF-16LE for --out', () => {
    const r = encodeCommand({ proxy: 'proxy:8080', identity: 'LocalService', format: 'reg' });
    expect(r.text).toMatch(/^Windows Registry Editor Version 5.00\n\n\[HKEY_USERS\\S-1-5-19\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections\]\n"DefaultConnectionSettings"=hex:46,00,00,00,/);
    const doc = readRegFileBytes(r.fileBytes);
    expect(doc.entries[0]).toMatchObject({ kind: 'key', path: `HKEY_USERS\\S-1-5-19\\${CONN}`, values: [{ name: 'DefaultConnectionSettings', value: { type: 'REG_BINARY', data: r.bytes } }] });
    expect(encodeCommand({ proxy: 'p:1', identity: 's-1-5-18', format: 'reg' }).text).toContain('[HKEY_USERS\\S-1-5-18\\');
    expect(encodeCommand({ proxy: 'p:1', winhttp: true, format: 'reg' }).text).toContain(`[HKEY_LOCAL_MACHINE\\${CONN}]\n"WinHttpSettings"=hex:28,00,00,00,00,00,00,00,03,`);
  });

  it('sets flags for PAC and auto-detect and keeps the counter', () => {
    const r = encodeCommand({ pac: 'http://pac.contoso.com/proxy.pac', autoDetect: true, counter: 42 });
    expect(r.text.slice(0, 24)).toBe('460000002a0000000d000000');
  });

  it.each([
    [{ proxy: 'p:99999' }, 'proxy'],
    [{ proxy: ' ' }, 'proxy'],
    [{ pac: 'not a url' }, 'pac'],
    [{ identity: 'Bob' }, 'identity'],
    [{ format: 'json' }, 'format'],
    [{ counter: -1 }, 'counter'],
    [{ winhttp: true, pac: 'http://x/' }, 'winhttp'],
    [{ winhttpVersion: 0x18 }, 'winhttp-version'],
    [{ winhttp: true, winhttpVersion: 0x46 }, 'winhttp-version'],
  ])('rejects bad input %j', (opts, field) => {
    try {
      encodeCommand(opts);
      throw new Error('expected failure');
    } catch (e) {
      expect(e).toBeInstanceOf(AtpNetlabError);
      expect((e as AtpNetlabError).code).toBe('ATPNL_USAGE');
      expect((e as AtpNetlabError).location.field).toBe(field);
    }
  });

  it('has help with an example', () => {
    const program = new Command();
    registerEncode(program, () => undefined);
    const cmd = program.commands.find((c) => c.name() === 'encode')!;
    let help = '';
    cmd.configureOutput({ writeOut: (s) => (help += s) });
    cmd.outputHelp();
    expect(help).toContain('$ atp-netlab encode --proxy');
  });
});
