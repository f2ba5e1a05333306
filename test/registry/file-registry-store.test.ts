import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileRegistryStore, encodeRegText, hiveFileName, regBinary } from '../../src/registry/index.js';
import { AtpNetlabError } from '../../src/errors.js';

const LS = 'HKU\\S-1-5-19\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections';
let dir: string;
let store: FileRegistryStore;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'atpnl-store-'));
  store = new FileRegistryStore(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hive file names', () => {
  it('maps each hive to one file', () => {
    expect(hiveFileName('HKCU\\Software')).toBe('HKCU.reg');
    expect(hiveFileName('HKEY_LOCAL_MACHINE\\SOFTWARE')).toBe('HKLM.reg');
    expect(hiveFileName('HKEY_USERS\\s-1-5-19\\Software')).toBe('HKU-S-1-5-19.reg');
    expect(hiveFileName('HKU\\.DEFAULT')).toBe('HKU-.DEFAULT.reg');
    expect(hiveFileName('HKU\\a/b')).toBe('HKU-A%2fB.reg');
  });
});

describe('FileRegistryStore', () => {
  it('writes a real regedit file per hive and reads it back', async () => {
    await store.writeValue(LS, 'DefaultConnectionSettings', regBinary(Uint8Array.of(0x46, 0, 0, 0)));
    expect(await readdir(dir)).toEqual(['HKU-S-1-5-19.reg']);
    const bytes = await readFile(path.join(dir, 'HKU-S-1-5-19.reg'));
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(bytes.subarray(2).toString('utf16le')).toBe(
      'Windows Registry Editor Version 5.00\r\n\r\n' +
        '[HKEY_USERS\\S-1-5-19\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections]\r\n' +
        '"DefaultConnectionSettings"=hex:46,00,00,00\r\n\r\n',
    );
    expect(await store.readValue(LS.toUpperCase(), 'defaultconnectionsettings')).toEqual(regBinary(Uint8Array.of(0x46, 0, 0, 0)));
    expect(await store.keyExists('HKEY_USERS\\S-1-5-19\\Software\\Microsoft')).toBe(true);
    expect(await store.keyExists('HKEY_USERS\\S-1-5-18\\Software')).toBe(false);
    expect(await store.listSubkeys('HKU')).toEqual(['HKEY_USERS\\S-1-5-19']);
    expect(await store.listSubkeys('HKU\\S-1-5-19\\Software\\Microsoft\\Windows\\CurrentVersion')).toEqual([
      'HKEY_USERS\\S-1-5-19\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings',
    ]);
  });

  it('keeps the original spelling and position of an overwritten value', async () => {
    await store.writeValue(LS, 'A', regBinary(Uint8Array.of(1)));
    await store.writeValue(LS, 'DefaultConnectionSettings', regBinary(Uint8Array.of(2)));
    await store.writeValue(LS, 'a', regBinary(Uint8Array.of(3)));
    expect((await store.listValues(LS))!.map((v) => v.name)).toEqual(['A', 'DefaultConnectionSettings']);
  });

  it('leaves no temporary files and removes a hive file that becomes empty', async () => {
    await store.writeValue(LS, 'x', { type: 'REG_DWORD', data: 1 });
    await store.deleteValue(LS, 'x');
    expect(await readdir(dir)).toEqual(['HKU-S-1-5-19.reg']);
    await store.deleteKey('HKU\\S-1-5-19\\Software');
    expect(await readdir(dir)).toEqual([]);
    expect(await store.listValues(LS)).toBeUndefined();
  });

  it('exports subtrees like reg export, and fails on missing keys', async () => {
    await store.writeValue('HKCU\\A\\B', 'v', { type: 'REG_SZ', data: 'x' });
    await store.writeValue('HKCU\\A\\B\\C', 'w', { type: 'REG_DWORD', data: 2 });
    await store.writeValue('HKCU\\Other', 'z', { type: 'REG_DWORD', data: 3 });
    expect(await store.exportKeys(['HKCU\\A'])).toBe(
      'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\A\\B]\r\n"v"="x"\r\n\r\n[HKEY_CURRENT_USER\\A\\B\\C]\r\n"w"=dword:00000002\r\n\r\n',
    );
    await expect(store.exportKeys(['HKCU\\Missing'])).rejects.toMatchObject({ code: 'ATPNL_REG_NOT_FOUND' });
  });

  it('imports .reg text across hives, with deletions', async () => {
    await store.writeValue('HKLM\\X', 'keep', { type: 'REG_DWORD', data: 1 });
    await store.importReg(
      'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\X]\r\n"keep"=-\r\n"new"="n"\r\n\r\n[HKEY_USERS\\S-1-5-18\\Y]\r\n@="d"\r\n\r\n[-HKEY_CURRENT_USER\\Nothing]\r\n',
    );
    expect(await store.listValues('HKLM\\X')).toEqual([{ name: 'new', value: { type: 'REG_SZ', data: 'n' } }]);
    expect(await store.readValue('HKU\\S-1-5-18\\Y', '')).toEqual({ type: 'REG_SZ', data: 'd' });
    expect((await readdir(dir)).sort()).toEqual(['HKLM.reg', 'HKU-S-1-5-18.reg']);
  });

  it('reads hand-made files in any encoding, and reports parse errors with the file', async () => {
    await writeFile(path.join(dir, 'HKCU.reg'), 'REGEDIT4\n\n[HKEY_CURRENT_USER\\A]\n"v"=dword:00000010\n');
    expect(await store.readValue('HKCU\\A', 'v')).toEqual({ type: 'REG_DWORD', data: 16 });
    await writeFile(path.join(dir, 'HKLM.reg'), encodeRegText('Windows Registry Editor Version 5.00\r\n[HKLM\\A]\r\n"v"=hex:zz\r\n', 'regedit5'));
    const err = await store.readValue('HKLM\\A', 'v').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtpNetlabError);
    expect((err as AtpNetlabError).location).toMatchObject({ file: path.join(dir, 'HKLM.reg'), line: 3 });
  });

  it('serialises concurrent writes without losing any', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.writeValue(LS, `v${i}`, { type: 'REG_DWORD', data: i })));
    expect((await store.listValues(LS))!.length).toBe(20);
  });
});
