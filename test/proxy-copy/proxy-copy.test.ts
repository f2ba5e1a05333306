import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FileRegistryStore,
  MemoryRegistryStore,
  parseRegText,
  readRegFileBytes,
  type RegistryStore,
  type RegValue,
} from '../../src/registry/index.js';
import {
  SAVED_LEGACY_REASON,
  applyProxyCopy,
  backupFileName,
  connectionsKey,
  isNoOp,
  planProxyCopy,
  renderProxyCopyPlan,
} from '../../src/proxy-copy/index.js';
import { encodeSettings } from '../../src/wininet/index.js';
import { AtpNetlabError } from '../../src/errors.js';

const HKCU = connectionsKey('CurrentUser');
const LS = connectionsKey('LocalService');
const SYS = connectionsKey('LocalSystem');
const proxyBlob = encodeSettings({ proxy: 'proxy.contoso.com:8080', bypass: '<local>', counter: 7 });
const savedBlob = encodeSettings({ proxy: 'proxy.contoso.com:8080', bypass: '<local>', counter: 6 });
const bin = (data: Uint8Array): RegValue => ({ type: 'REG_BINARY', data });

let dir: string;
let regDir: string;
let backupDir: string;
let store: FileRegistryStore;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'atpnl-pc-'));
  regDir = path.join(dir, 'registry');
  backupDir = path.join(dir, 'backups');
  store = new FileRegistryStore(regDir);
  await store.writeValue(HKCU, 'DefaultConnectionSettings', bin(proxyBlob));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function snapshot(d: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const names = await readdir(d).catch(() => [] as string[]);
  for (const n of names.sort()) out.set(n, await readFile(path.join(d, n)));
  return out;
}

/** Wraps a store so that the n-th writeValue (1-based) throws, as a full disk or ACL would. */
function failingOnWrite(inner: RegistryStore, n: number): RegistryStore {
  let writes = 0;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'writeValue') {
        return async (key: string, name: string, value: RegValue) => {
          if (++writes === n) throw new Error(`injected failure on write ${n}`);
          return target.writeValue(key, name, value);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('plan', () => {
  it('compares like reg compare: missing, different, same', async () => {
    await store.writeValue(LS, 'DefaultConnectionSettings', bin(encodeSettings({})));
    await store.writeValue(SYS, 'DefaultConnectionSettings', bin(proxyBlob));
    const plan = await planProxyCopy(store);
    expect(plan.targets.map((t) => [t.identity, t.sid, t.values.map((v) => [v.name, v.status])])).toEqual([
      ['LocalService', 'S-1-5-19', [['DefaultConnectionSettings', 'different']]],
      ['LocalSystem', 'S-1-5-18', [['DefaultConnectionSettings', 'same']]],
    ]);
    await store.deleteKey('HKU\\S-1-5-19');
    expect((await planProxyCopy(store)).targets[0]!.values[0]!.status).toBe('missing');
  });

  it('copies SavedLegacySettings only when the source has it, and says why', async () => {
    expect((await planProxyCopy(store)).source.values.map((v) => v.name)).toEqual(['DefaultConnectionSettings']);
    await store.writeValue(HKCU, 'SavedLegacySettings', bin(savedBlob));
    const plan = await planProxyCopy(store);
    expect(plan.source.values.map((v) => v.name)).toEqual(['DefaultConnectionSettings', 'SavedLegacySettings']);
    expect(renderProxyCopyPlan(plan)).toContain(SAVED_LEGACY_REASON);
    expect(SAVED_LEGACY_REASON).toMatch(/regenerates DefaultConnectionSettings from SavedLegacySettings/);
  });

  it('fails without a source value, pointing at the 2018 misspellings when present', async () => {
    const s = new MemoryRegistryStore();
    s.tree.setValue(HKCU, 'DefaultConnectionSetting', bin(proxyBlob));
    const err = await planProxyCopy(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtpNetlabError);
    expect((err as AtpNetlabError).code).toBe('ATPNL_REG_NOT_FOUND');
    expect((err as AtpNetlabError).message).toMatch(/DefaultConnectionSetting".*misspelling/);
  });

  it('rejects a corrupt source blob with the field and offset', async () => {
    await store.writeValue(HKCU, 'DefaultConnectionSettings', bin(Uint8Array.of(0x46, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0xff, 0, 0, 0)));
    const err = (await planProxyCopy(store).catch((e: unknown) => e)) as AtpNetlabError;
    expect(err.code).toBe('ATPNL_BLOB_LENGTH');
    expect(err.location).toMatchObject({ field: 'DefaultConnectionSettings.proxyServer', offset: 12 });
  });

  it('warns about misspelt keys and values left on targets, and never writes them', async () => {
    const misspeltKey = SYS.replace('Internet Settings', 'InternetSetting');
    await store.writeValue(misspeltKey, 'DefaultConnectionSetting', bin(proxyBlob));
    const plan = await planProxyCopy(store);
    expect(plan.warnings.join('\n')).toMatch(/LocalSystem: key .*InternetSetting.*exists/);
    expect(plan.warnings.join('\n')).toMatch(/LocalSystem: value "DefaultConnectionSetting" .* misspelling/);
    await applyProxyCopy(store, plan, { backupDir });
    const tree = readRegFileBytes(await readFile(path.join(regDir, 'HKU-S-1-5-18.reg')));
    expect(tree.entries.map((e) => e.path)).toEqual([misspeltKey, SYS]);
    expect(await store.readValue(SYS, 'DefaultConnectionSetting')).toBeUndefined();
  });

  it('refuses bad target lists', async () => {
    await expect(planProxyCopy(store, { targets: ['CurrentUser'] })).rejects.toMatchObject({ code: 'ATPNL_USAGE' });
    await expect(planProxyCopy(store, { targets: ['LocalService', 'LocalService'] })).rejects.toMatchObject({ code: 'ATPNL_USAGE' });
  });

  it('plans from an export alone with targets unknown, and will not apply that', async () => {
    const plan = await planProxyCopy(null, { sourceStore: store });
    expect(plan.targetsKnown).toBe(false);
    expect(plan.targets.every((t) => t.values.every((v) => v.status === 'unknown'))).toBe(true);
    expect(renderProxyCopyPlan(plan)).toMatch(/not read/);
    await expect(applyProxyCopy(store, plan, { backupDir })).rejects.toMatchObject({ code: 'ATPNL_USAGE' });
  });
});

describe('apply', () => {
  it('backs up, writes, verifies; then a second run is a no-op', async () => {
    await store.writeValue(HKCU, 'SavedLegacySettings', bin(savedBlob));
    await store.writeValue(LS, 'Other', { type: 'REG_DWORD', data: 1 });
    const now = new Date('2026-11-29T11:44:13.123Z');
    const plan = await planProxyCopy(store);
    const result = await applyProxyCopy(store, plan, { backupDir, now });
    expect(result.status).toBe('applied');
    expect(result.written).toHaveLength(4);
    expect(result.backups.map((b) => path.basename(b.file))).toEqual([
      'proxy-copy-backup-20261129T114413123Z-S-1-5-19.reg',
      'proxy-copy-backup-20261129T114413123Z-S-1-5-18.reg',
    ]);
    expect(backupFileName(now, 'S-1-5-19')).toBe('proxy-copy-backup-20261129T114413123Z-S-1-5-19.reg');
    // the backups restore exactly: existing key → its values + deletion of the new ones; new key → [-key]
    const lsBackup = parseRegText(readRegFileText(await readFile(result.backups[0]!.file)));
    expect(lsBackup.entries).toMatchObject([
      { kind: 'key', path: LS, values: [{ name: 'Other' }] },
      { kind: 'key', path: LS, values: [{ name: 'DefaultConnectionSettings', value: null }, { name: 'SavedLegacySettings', value: null }] },
    ]);
    expect(parseRegText(readRegFileText(await readFile(result.backups[1]!.file))).entries).toMatchObject([{ kind: 'deleteKey', path: SYS }]);
    for (const key of [LS, SYS]) {
      expect(await store.readValue(key, 'DefaultConnectionSettings')).toEqual(bin(proxyBlob));
      expect(await store.readValue(key, 'SavedLegacySettings')).toEqual(bin(savedBlob));
    }
    expect(result.log.findIndex((l) => l.startsWith('backed up'))).toBeLessThan(result.log.findIndex((l) => l.startsWith('wrote')));

    const before = await snapshot(regDir);
    const again = await planProxyCopy(store);
    expect(isNoOp(again)).toBe(true);
    expect(again.targets.flatMap((t) => t.values.map((v) => v.status))).toEqual(['same', 'same', 'same', 'same']);
    expect(renderProxyCopyPlan(again)).toMatch(/Nothing to do.*no-op/);
    const second = await applyProxyCopy(store, again, { backupDir });
    expect(second).toMatchObject({ status: 'no-op', written: [], backups: [] });
    expect(second.log.join()).toMatch(/nothing written/);
    expect(await snapshot(regDir)).toEqual(before);
    expect(await readdir(backupDir)).toHaveLength(2);
  });

  it.each([1, 2, 3])('a failure on write %i rolls back to a byte-identical registry', async (n) => {
    await store.writeValue(HKCU, 'SavedLegacySettings', bin(savedBlob));
    // LocalService has an older value plus unrelated keys and values around it
    await store.writeValue('HKU\\S-1-5-19\\Software\\Before', 'x', { type: 'REG_SZ', data: 'keep me' });
    await store.writeValue(LS, 'SavedLegacySettings', bin(encodeSettings({})));
    await store.writeValue(LS, 'ZZ', { type: 'REG_DWORD', data: 5 });
    await store.writeValue('HKU\\S-1-5-19\\Software\\After', '', { type: 'REG_SZ', data: 'keep me too' });
    const before = await snapshot(regDir);
    expect([...before.keys()]).toEqual(['HKCU.reg', 'HKU-S-1-5-19.reg']);

    const plan = await planProxyCopy(store);
    const result = await applyProxyCopy(failingOnWrite(store, n), plan, { backupDir });
    expect(result.status).toBe('rolled-back');
    expect(result.error).toContain(`injected failure on write ${n}`);
    expect(result.rollbackError).toBeUndefined();
    const after = await snapshot(regDir);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [name, bytes] of before) expect(after.get(name)!.equals(bytes), name).toBe(true);
    expect(await readdir(backupDir)).toHaveLength(2);
  });

  it('a value that does not read back identical is a verify failure, rolled back', async () => {
    const lying: RegistryStore = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'readValue') {
          return async (key: string, name: string) => {
            const v = await target.readValue(key, name);
            if (v?.type === 'REG_BINARY' && key === LS && v.data.length > 0) return bin(v.data.slice(1));
            return v;
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const before = await snapshot(regDir);
    const result = await applyProxyCopy(lying, await planProxyCopy(store), { backupDir });
    expect(result.status).toBe('rolled-back');
    expect(result.error).toMatch(/ATPNL_PROXY_COPY_VERIFY/);
    expect(await snapshot(regDir)).toEqual(before);
  });

  it('refuses a stale plan', async () => {
    const plan = await planProxyCopy(store);
    await store.writeValue(LS, 'DefaultConnectionSettings', bin(encodeSettings({})));
    await expect(applyProxyCopy(store, plan, { backupDir })).rejects.toMatchObject({ code: 'ATPNL_PROXY_COPY' });
    expect(await snapshot(backupDir)).toEqual(new Map());
  });
});

function readRegFileText(bytes: Buffer): string {
  expect([bytes[0], bytes[1]]).toEqual([0xff, 0xfe]);
  return bytes.subarray(2).toString('utf16le');
}
