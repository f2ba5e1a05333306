import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseTargets, proxyCopyCommand } from '../../../src/cli/commands/proxy-copy.js';
import { AtpNetlabError } from '../../../src/errors.js';
import { MemoryRegistryStore, encodeRegText, type RegistryStore } from '../../../src/registry/index.js';
import { connectionsKey } from '../../../src/proxy-copy/index.js';
import { encodeSettings } from '../../../src/wininet/index.js';

const CONN = 'Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections';
const dcs = encodeSettings({ proxy: 'proxy.contoso.com:8080', bypass: '<local>' });
const hexList = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(',');

let dir: string;
let exportFile: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'atpnl-pccli-'));
  exportFile = path.join(dir, 'hkcu.reg');
  await writeFile(
    exportFile,
    encodeRegText(`Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\${CONN}]\r\n"DefaultConnectionSettings"=hex:${hexList(dcs)}\r\n\r\n`, 'regedit5'),
  );
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('proxy-copy command: values with warnings', () => {
  const damaged: [string, Uint8Array][] = [
    ['version 0x7fffffff', (() => { const b = Uint8Array.from(dcs); new DataView(b.buffer).setUint32(0, 0x7fffffff, true); return b; })()],
    ['a short trailer', dcs.subarray(0, dcs.length - 20)],
    ['control characters', encodeSettings({ proxy: 'proxy.contoso.com:8080\r\n', bypass: '<local>' })],
    ['unknown flag bits', (() => { const b = Uint8Array.from(dcs); b[8] = 0x43; return b; })()],
    ['a 70 KB proxy name', encodeSettings({ proxy: `${'p'.repeat(70_000)}:8080` })],
  ];

  it.each(damaged)('refuses %s with ATPNL_BLOB_SUSPICIOUS, in every mode, and applies it with --force', async (_what, bytes) => {
    const file = path.join(dir, 'damaged.reg');
    await writeFile(file, encodeRegText(`Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\${CONN}]\r\n"DefaultConnectionSettings"=hex:${hexList(bytes)}\r\n\r\n`, 'regedit5'));
    const registry = path.join(dir, 'registry');
    for (const mode of [{}, { out: path.join(dir, 'out') }, { registry, apply: true, backupDir: path.join(dir, 'b') }]) {
      const err = (await proxyCopyCommand({ reg: file, platform: 'linux', ...mode }).catch((e: unknown) => e)) as AtpNetlabError;
      expect(err).toBeInstanceOf(AtpNetlabError);
      expect(err.code).toBe('ATPNL_BLOB_SUSPICIOUS');
      expect(err.message).toMatch(/--force/);
    }
    expect(await readdir(dir)).toEqual(['damaged.reg', 'hkcu.reg']);
    const forced = await proxyCopyCommand({ reg: file, platform: 'linux', registry, apply: true, backupDir: path.join(dir, 'b'), force: true });
    expect(forced.result?.status).toBe('applied');
    expect(forced.stdout).toMatch(/warning: CurrentUser's DefaultConnectionSettings copied despite warnings \(--force\)/);
  });
});

describe('proxy-copy command', () => {
  it('dry run from an export alone prints the plan and changes nothing', async () => {
    const out = await proxyCopyCommand({ reg: exportFile, platform: 'linux' });
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toMatch(/LocalService \(S-1-5-19\)[\s\S]*LocalSystem \(S-1-5-18\)[\s\S]*dry run: nothing changed/);
    expect(await readdir(dir)).toEqual(['hkcu.reg']);
  });

  it('--out writes an importable .reg and a .ps1 (UTF-8 with BOM)', async () => {
    const outDir = path.join(dir, 'out');
    const out = await proxyCopyCommand({ reg: exportFile, out: outDir, targets: 'LocalService', platform: 'linux', now: new Date(0) });
    expect(out.files.map((f) => path.basename(f))).toEqual(['proxy-copy.reg', 'proxy-copy.ps1']);
    const reg = await readFile(path.join(outDir, 'proxy-copy.reg'));
    expect([reg[0], reg[1]]).toEqual([0xff, 0xfe]);
    const ps1 = await readFile(path.join(outDir, 'proxy-copy.ps1'));
    expect([...ps1.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(ps1.toString('utf8')).toContain('# ===== LocalService (S-1-5-19) =====');
    expect(ps1.toString('utf8')).not.toContain('S-1-5-18');
  });

  it('--registry --apply applies with backups; a second run is a no-op', async () => {
    const registry = path.join(dir, 'registry');
    const backupDir = path.join(dir, 'backups');
    const first = await proxyCopyCommand({ reg: exportFile, registry, apply: true, backupDir, platform: 'linux' });
    expect(first.exitCode).toBe(0);
    expect(first.result?.status).toBe('applied');
    expect(first.stdout).toMatch(/applied and verified/);
    expect((await readdir(registry)).sort()).toEqual(['HKU-S-1-5-18.reg', 'HKU-S-1-5-19.reg']);
    expect(await readdir(backupDir)).toHaveLength(2);
    const second = await proxyCopyCommand({ reg: exportFile, registry, apply: true, backupDir, platform: 'linux' });
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/nothing to do \(no-op\)/);
    expect(await readdir(backupDir)).toHaveLength(2);
  });

  it('--registry without --apply only plans against it', async () => {
    const registry = path.join(dir, 'registry');
    const out = await proxyCopyCommand({ reg: exportFile, registry, platform: 'linux' });
    expect(out.stdout).toMatch(/missing {3}-> write/);
    await expect(readdir(registry)).rejects.toThrow();
  });

  it('--apply without --registry needs Windows', async () => {
    const err = (await proxyCopyCommand({ reg: exportFile, apply: true, platform: 'linux' }).catch((e: unknown) => e)) as AtpNetlabError;
    expect(err).toBeInstanceOf(AtpNetlabError);
    expect(err.code).toBe('ATPNL_WINDOWS_ONLY');
  });

  it('on Windows, --apply uses the live store; a failed apply exits 1 after rolling back', async () => {
    const live = new MemoryRegistryStore();
    const ok = await proxyCopyCommand({ reg: exportFile, apply: true, backupDir: path.join(dir, 'b1'), platform: 'win32', liveStore: () => live });
    expect(ok.exitCode).toBe(0);
    expect(live.tree.readValue(connectionsKey('LocalSystem'), 'DefaultConnectionSettings')).toEqual({ type: 'REG_BINARY', data: dcs });

    const fresh = new MemoryRegistryStore();
    const failing: RegistryStore = Object.assign(Object.create(fresh) as RegistryStore, {
      writeValue: async () => {
        throw new Error('access denied');
      },
    });
    const bad = await proxyCopyCommand({ reg: exportFile, apply: true, backupDir: path.join(dir, 'b2'), platform: 'win32', liveStore: () => failing });
    expect(bad.exitCode).toBe(1);
    // The very first write failed: nothing changed, and it says so on stderr (no false "rollback failed too").
    expect(bad.stderr).toMatch(/failed before changing anything: access denied; the registry is as it was/);
    expect(bad.stdout).not.toMatch(/rollback failed/i);
    expect(fresh.tree.size).toBe(0);
  });

  it('takes the source from a single non-HKCU Connections key, with a warning', async () => {
    const file = path.join(dir, 'user.reg');
    await writeFile(
      file,
      encodeRegText(`Windows Registry Editor Version 5.00\r\n\r\n[HKEY_USERS\\S-1-5-21-1-2-3-1001\\${CONN}]\r\n"DefaultConnectionSettings"=hex:${hexList(dcs)}\r\n`, 'regedit5'),
    );
    const out = await proxyCopyCommand({ reg: file, platform: 'linux' });
    expect(out.warnings.join()).toMatch(/using the values under HKEY_USERS\\S-1-5-21-1-2-3-1001/);
    expect(out.plan!.source.values[0]!.bytes).toEqual(dcs);
  });

  it('parses targets by name or SID and rejects others', () => {
    expect(parseTargets('localservice, S-1-5-18')).toEqual(['LocalService', 'LocalSystem']);
    expect(parseTargets(undefined)).toEqual(['LocalService', 'LocalSystem']);
    expect(() => parseTargets('Bob')).toThrow(expect.objectContaining({ code: 'ATPNL_USAGE' }));
  });
});
