import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  WindowsRegistryStore,
  decodeRegBytes,
  encodeRegText,
  quoteWindowsArg,
  regAddArgs,
  regAddSupports,
  regCompareArgs,
  regDeleteKeyArgs,
  regDeleteValueArgs,
  regExportArgs,
  regImportArgs,
  regQueryArgs,
  windowsCommandLine,
  type RegRunner,
} from '../../src/registry/index.js';

const CONN = 'HKEY_USERS\\S-1-5-19\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections';
const SHORT = 'HKU\\S-1-5-19\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections';

describe('reg.exe argv', () => {
  it('builds each command with short hive names', () => {
    expect(regQueryArgs(CONN, 'DefaultConnectionSettings')).toEqual(['query', SHORT, '/v', 'DefaultConnectionSettings']);
    expect(regQueryArgs(CONN)).toEqual(['query', SHORT]);
    expect(regQueryArgs(CONN, '')).toEqual(['query', SHORT, '/ve']);
    expect(regExportArgs(CONN, 'C:\\b\\x.reg')).toEqual(['export', SHORT, 'C:\\b\\x.reg', '/y']);
    expect(regImportArgs('C:\\b\\x.reg')).toEqual(['import', 'C:\\b\\x.reg']);
    expect(regDeleteValueArgs(CONN, 'X')).toEqual(['delete', SHORT, '/v', 'X', '/f']);
    expect(regDeleteKeyArgs(CONN)).toEqual(['delete', SHORT, '/f']);
    expect(regCompareArgs('HKEY_CURRENT_USER\\A', CONN, 'DefaultConnectionSettings')).toEqual([
      'compare',
      'HKCU\\A',
      SHORT,
      '/v',
      'DefaultConnectionSettings',
    ]);
  });

  it('writes binary as upper-case hex with /t REG_BINARY and /f', () => {
    expect(regAddArgs(CONN, 'DefaultConnectionSettings', { type: 'REG_BINARY', data: Uint8Array.of(0x46, 0, 0xab) })).toEqual([
      'add',
      SHORT,
      '/v',
      'DefaultConnectionSettings',
      '/t',
      'REG_BINARY',
      '/d',
      '4600AB',
      '/f',
    ]);
    expect(regAddArgs(CONN, 'E', { type: 'REG_BINARY', data: new Uint8Array() })).toEqual(['add', SHORT, '/v', 'E', '/t', 'REG_BINARY', '/f']);
    expect(regAddArgs(CONN, '', { type: 'REG_DWORD', data: 4294967295 })).toEqual(['add', SHORT, '/ve', '/t', 'REG_DWORD', '/d', '4294967295', '/f']);
    expect(regAddArgs(CONN, 's', { type: 'REG_SZ', data: 'a b' })).toEqual(['add', SHORT, '/v', 's', '/t', 'REG_SZ', '/d', 'a b', '/f']);
    expect(() => regAddArgs(CONN, 'm', { type: 'REG_MULTI_SZ', data: ['a'] })).toThrow();
  });

  it('never writes REG_NONE with reg add (it would store the hex text, not the bytes)', () => {
    expect(regAddSupports({ type: 'REG_NONE', data: Uint8Array.of(0x46, 0) })).toBe(false);
    expect(() => regAddArgs(CONN, 'n', { type: 'REG_NONE', data: Uint8Array.of(0x46, 0) })).toThrow(/reg import/);
    expect(regAddSupports({ type: 'REG_BINARY', data: Uint8Array.of(0x46, 0) })).toBe(true);
  });

  it('quotes like the MSVC runtime parses', () => {
    expect(quoteWindowsArg('plain')).toBe('plain');
    expect(quoteWindowsArg('')).toBe('""');
    expect(quoteWindowsArg('Internet Settings')).toBe('"Internet Settings"');
    expect(quoteWindowsArg('C:\\dir with space\\')).toBe('"C:\\dir with space\\\\"');
    expect(quoteWindowsArg('say "hi"')).toBe('"say \\"hi\\""');
    expect(quoteWindowsArg('a\\"b')).toBe('"a\\\\\\"b"');
    expect(windowsCommandLine('reg', regQueryArgs(CONN, 'DefaultConnectionSettings'))).toBe(
      'reg query "HKU\\S-1-5-19\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections" /v DefaultConnectionSettings',
    );
  });
});

describe('WindowsRegistryStore with a fake reg.exe', () => {
  it('refuses to start off Windows without a runner', () => {
    if (process.platform === 'win32') return;
    expect(() => new WindowsRegistryStore()).toThrow(expect.objectContaining({ code: 'ATPNL_WINDOWS_ONLY' }));
  });

  it('reads through query + export and writes through reg add', async () => {
    const calls: string[][] = [];
    const runner: RegRunner = async (args) => {
      calls.push(args);
      if (args[0] === 'query') return { exitCode: 0, stdout: '', stderr: '' };
      if (args[0] === 'export') {
        await mkdir(path.dirname(args[2]!), { recursive: true });
        await writeFile(
          args[2]!,
          encodeRegText(`Windows Registry Editor Version 5.00\r\n\r\n[${CONN}]\r\n"DefaultConnectionSettings"=hex:46,00\r\n\r\n`, 'regedit5'),
        );
      }
      return { exitCode: 0, stdout: '', stderr: '' };
    };
    const store = new WindowsRegistryStore({ runner });
    expect(await store.readValue(CONN, 'DefaultConnectionSettings')).toEqual({ type: 'REG_BINARY', data: Uint8Array.of(0x46, 0) });
    await store.writeValue(CONN, 'DefaultConnectionSettings', { type: 'REG_BINARY', data: Uint8Array.of(1) });
    expect(calls.map((c) => c[0])).toEqual(['query', 'export', 'add']);
    expect(calls[2]).toEqual(['add', SHORT, '/v', 'DefaultConnectionSettings', '/t', 'REG_BINARY', '/d', '01', '/f']);
  });

  it('writes REG_NONE through reg import, with the bytes in the .reg file', async () => {
    const calls: string[][] = [];
    let imported = '';
    const runner: RegRunner = async (args) => {
      calls.push(args);
      if (args[0] === 'import') imported = decodeRegBytes(await readFile(args[1]!));
      return { exitCode: 0, stdout: '', stderr: '' };
    };
    const store = new WindowsRegistryStore({ runner });
    await store.writeValue(CONN, 'N', { type: 'REG_NONE', data: Uint8Array.of(0x46, 0) });
    expect(calls.map((c) => c[0])).toEqual(['import']);
    expect(imported).toContain('"N"=hex(0):46,00');
  });

  it('reports a missing key as undefined and a failing write as an error', async () => {
    const runner: RegRunner = async (args) => ({ exitCode: 1, stdout: '', stderr: `ERROR: ${args[0]} failed` });
    const store = new WindowsRegistryStore({ runner });
    expect(await store.readValue(CONN, 'x')).toBeUndefined();
    await expect(store.writeValue(CONN, 'x', { type: 'REG_DWORD', data: 1 })).rejects.toMatchObject({ code: 'ATPNL_REG_NOT_FOUND' });
  });
});
