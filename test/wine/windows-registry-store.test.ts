/**
 * WindowsRegistryStore and the proxy-copy procedure against Wine's reg.exe instead of a fake
 * runner: apply, a second run that changes nothing, and an injected failure that rolls back.
 * HKU\S-1-5-18/19 exist only in the persistent wineserver's memory (see wine-harness.ts).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { proxyCopyCommand } from '../../src/cli/commands/proxy-copy.js';
import { connectionsKey } from '../../src/proxy-copy/index.js';
import { decodeRegBytes, encodeRegText, writeRegText, type RegRunner, type WindowsRegistryStore } from '../../src/registry/index.js';
import { encodeSettings } from '../../src/wininet/index.js';
import { CONNECTIONS, useWineSession, wineRegistryStore, wineRegRunner } from './wine-harness.js';

const wine = useWineSession('windows-registry-store');

const wineRunner = (): RegRunner => wineRegRunner(wine);
const store = (runner: RegRunner = wineRunner()): WindowsRegistryStore => wineRegistryStore(wine, runner);

const dcs = encodeSettings({ proxy: 'proxy.contoso.com:8080', bypass: '<local>' });
const sls = encodeSettings({ proxy: 'proxy.contoso.com:8080', bypass: '<local>', counter: 7 });

describe('WindowsRegistryStore on Wine reg.exe', () => {
  const key = 'HKEY_CURRENT_USER\\Software\\atp-netlab-wine\\store';

  it('writes, reads, lists and deletes values, byte-exact', async () => {
    const s = store();
    expect(await s.keyExists(key)).toBe(false);
    expect(await s.readValue(key, 'X')).toBeUndefined();
    await s.writeValue(key, 'Bin', { type: 'REG_BINARY', data: dcs });
    await s.writeValue(key, 'Empty', { type: 'REG_BINARY', data: new Uint8Array() });
    await s.writeValue(key, 'Dword', { type: 'REG_DWORD', data: 0xffffffff });
    await s.writeValue(key, 'Text', { type: 'REG_SZ', data: 'a "quoted" \\ value' });
    await s.writeValue(key, 'Multi', { type: 'REG_MULTI_SZ', data: ['one', 'two'] });
    expect(await s.keyExists(key)).toBe(true);
    expect(await s.readValue(key, 'Bin')).toEqual({ type: 'REG_BINARY', data: dcs });
    expect(await s.readValue(key, 'Empty')).toEqual({ type: 'REG_BINARY', data: new Uint8Array() });
    expect(await s.readValue(key, 'Dword')).toEqual({ type: 'REG_DWORD', data: 0xffffffff });
    expect(await s.readValue(key, 'Text')).toEqual({ type: 'REG_SZ', data: 'a "quoted" \\ value' });
    expect(await s.readValue(key, 'Multi')).toEqual({ type: 'REG_MULTI_SZ', data: ['one', 'two'] });
    expect((await s.listValues(key))?.map((v) => v.name).sort()).toEqual(['Bin', 'Dword', 'Empty', 'Multi', 'Text']);
    await s.deleteValue(key, 'Bin');
    expect(await s.readValue(key, 'Bin')).toBeUndefined();
    await s.deleteKey(key);
    expect(await s.keyExists(key)).toBe(false);
  });

  it('REG_NONE goes through reg import and keeps its bytes (reg add would store the hex text)', async () => {
    const s = store();
    await s.writeValue(key, 'None', { type: 'REG_NONE', data: Uint8Array.of(0x46, 0, 0, 0) });
    expect(await s.readValue(key, 'None')).toEqual({ type: 'REG_NONE', data: Uint8Array.of(0x46, 0, 0, 0) });
    await s.deleteKey(key);
  });

  it('exportKeys and importReg round-trip a subtree', async () => {
    const s = store();
    await s.writeValue(`${key}\\sub`, 'Bin', { type: 'REG_BINARY', data: sls });
    const text = await s.exportKeys([key]);
    await s.deleteKey(key);
    await s.importReg(text);
    expect(await s.readValue(`${key}\\sub`, 'Bin')).toEqual({ type: 'REG_BINARY', data: sls });
    expect(await s.listSubkeys(key)).toEqual([`${key}\\sub`]);
    await s.deleteKey(key);
  });
});

describe('proxy-copy --apply on Wine reg.exe', () => {
  const targets = ['LocalService', 'LocalSystem'] as const;
  async function hkcuExport(): Promise<string> {
    const file = path.join(wine.scratch, 'hkcu.reg');
    const text = writeRegText({
      format: 'regedit5',
      entries: [
        {
          kind: 'key',
          path: `HKEY_CURRENT_USER\\${CONNECTIONS}`,
          values: [
            { name: 'DefaultConnectionSettings', value: { type: 'REG_BINARY', data: dcs } },
            { name: 'SavedLegacySettings', value: { type: 'REG_BINARY', data: sls } },
          ],
        },
      ],
    });
    await writeFile(file, encodeRegText(text, 'regedit5'));
    return file;
  }
  async function clearTargets(): Promise<void> {
    for (const t of targets) await store().deleteKey(connectionsKey(t));
  }

  it('applies (creating HKU\\S-1-5-19/18 keys), verifies by reading back, and a second run changes nothing', async () => {
    await clearTargets();
    const reg = await hkcuExport();
    const backupDir = path.join(wine.scratch, 'backups-1');
    const first = await proxyCopyCommand({ reg, apply: true, backupDir, platform: 'win32', liveStore: () => store() });
    expect(first.exitCode, first.stdout).toBe(0);
    expect(first.result?.status).toBe('applied');
    expect(first.stdout).toMatch(/applied and verified/);
    for (const t of targets) {
      // read with plain `reg query` text as an extra, independent look
      const q = await wine.wine(['reg', 'query', connectionsKey(t).replace('HKEY_USERS', 'HKU'), '/v', 'DefaultConnectionSettings']);
      expect(q.stdout.replace(/\s+/g, ' ')).toContain(`REG_BINARY ${Buffer.from(dcs).toString('hex').toUpperCase()}`);
      expect(await store().readValue(connectionsKey(t), 'SavedLegacySettings')).toEqual({ type: 'REG_BINARY', data: sls });
    }
    const second = await proxyCopyCommand({ reg, apply: true, backupDir: path.join(wine.scratch, 'backups-2'), platform: 'win32', liveStore: () => store() });
    expect(second.exitCode).toBe(0);
    expect(second.result?.status).toBe('no-op');
    expect(second.stdout).toMatch(/nothing to do \(no-op\)/);
  });

  it('an injected reg.exe failure rolls back: the old value is back and the new key is gone', async () => {
    await clearTargets();
    const old = encodeSettings({ proxy: 'old-proxy.contoso.com:3128' });
    await store().writeValue(connectionsKey('LocalService'), 'DefaultConnectionSettings', { type: 'REG_BINARY', data: old });
    const real = wineRunner();
    let adds = 0;
    const failing: RegRunner = async (args) => {
      // let LocalService's two values through, then fail the first write to LocalSystem
      if (args[0] === 'add' && ++adds === 3) return { exitCode: 1, stdout: '', stderr: 'ERROR: Access is denied. (injected)' };
      return real(args);
    };
    const reg = await hkcuExport();
    const out = await proxyCopyCommand({ reg, apply: true, backupDir: path.join(wine.scratch, 'backups-3'), platform: 'win32', liveStore: () => store(failing) });
    expect(out.exitCode).toBe(1);
    expect(out.result?.status).toBe('rolled-back');
    expect(out.result?.error).toMatch(/injected/);
    expect(out.result?.rollbackError).toBeUndefined();
    const s = store();
    expect(await s.readValue(connectionsKey('LocalService'), 'DefaultConnectionSettings')).toEqual({ type: 'REG_BINARY', data: old });
    expect(await s.readValue(connectionsKey('LocalService'), 'SavedLegacySettings')).toBeUndefined();
    expect(await s.keyExists(connectionsKey('LocalSystem'))).toBe(false);
    // the backups are regedit5 files Wine's reg.exe imported
    const backup = out.result!.backups.find((b) => b.identity === 'LocalService')!;
    expect(decodeRegBytes(await readFile(backup.file))).toContain('"SavedLegacySettings"=-');
  });
});
