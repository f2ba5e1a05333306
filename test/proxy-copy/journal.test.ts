/**
 * Transactional proxy-copy on a real lab registry: byte-exact rollback, a journal on disk
 * before the first write, recovery of interrupted applies (including real kill -9 of the
 * CLI at many points), temp files of killed runs, and the machine refusing (EPERM, ENOSPC).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { proxyCopyCommand } from '../../src/cli/commands/proxy-copy.js';
import { JOURNAL_DIR, ProxyCopyTransaction, applyProxyCopy, connectionsKey, planProxyCopy, recoverProxyCopy } from '../../src/proxy-copy/index.js';
import { FileRegistryStore, encodeRegText, type RegistryStore, type RegValue } from '../../src/registry/index.js';
import { encodeSettings } from '../../src/wininet/index.js';
import { runCli } from '../helpers/run-cli.js';

const CONN = 'Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections';
const oldBlob = encodeSettings({ proxy: 'old-proxy.contoso.example:3128', counter: 3 });
const newBlob = encodeSettings({ proxy: 'proxy.contoso.com:8080', bypass: '<local>', counter: 9 });
const hexList = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(',');
const LS = connectionsKey('LocalService');
const SYS = connectionsKey('LocalSystem');
const isRoot = process.getuid?.() === 0;

let dir: string;
let regDir: string;
let exportFile: string;

/** Hand-written hives: UTF-8 (no BOM), with comments and odd spacing, as a person edits them. */
const HAND_WRITTEN_LS = `Windows Registry Editor Version 5.00\r\n\r\n; kept by hand: this comment and the UTF-8 encoding must survive a rollback\r\n[HKEY_USERS\\S-1-5-19\\${CONN}]\r\n"DefaultConnectionSettings"=hex:${hexList(oldBlob)}\r\n"Other" = dword:00000001\r\n\r\n`;
const HAND_WRITTEN_SYS = `Windows Registry Editor Version 5.00\r\n\r\n[HKEY_USERS\\S-1-5-18\\${CONN}]\r\n; LocalSystem's old proxy\r\n"DefaultConnectionSettings"=hex:${hexList(oldBlob)}\r\n\r\n`;

async function freshRegistry(into: string): Promise<void> {
  await fs.promises.mkdir(into, { recursive: true });
  await writeFile(path.join(into, 'HKU-S-1-5-19.reg'), HAND_WRITTEN_LS);
  await writeFile(path.join(into, 'HKU-S-1-5-18.reg'), HAND_WRITTEN_SYS);
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'atpnl-journal-'));
  regDir = path.join(dir, 'registry');
  await freshRegistry(regDir);
  exportFile = path.join(dir, 'hkcu.reg');
  await writeFile(exportFile, encodeRegText(`Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\${CONN}]\r\n"DefaultConnectionSettings"=hex:${hexList(newBlob)}\r\n\r\n`, 'regedit5'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function snapshot(d: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const n of (await readdir(d)).sort()) if (fs.statSync(path.join(d, n)).isFile()) out.set(n, await readFile(path.join(d, n)));
  return out;
}

function wrap(inner: RegistryStore, writeValue: (key: string, name: string, value: RegValue, n: number) => Promise<void>): RegistryStore {
  let n = 0;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'writeValue') return (key: string, name: string, value: RegValue) => writeValue(key, name, value, ++n);
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** 'old' | 'new' | 'mixed' for one target's DefaultConnectionSettings. */
async function stateOf(store: FileRegistryStore, key: string): Promise<'old' | 'new' | 'other'> {
  const v = await store.readValue(key, 'DefaultConnectionSettings');
  if (v?.type !== 'REG_BINARY') return 'other';
  const hex = Buffer.from(v.data).toString('hex');
  return hex === Buffer.from(oldBlob).toString('hex') ? 'old' : hex === Buffer.from(newBlob).toString('hex') ? 'new' : 'other';
}

function tmpFilesUnder(d: string): string[] {
  return (fs.readdirSync(d, { recursive: true }) as string[]).filter((f) => f.endsWith('.tmp'));
}

describe('transactional apply', () => {
  it('a failed second write rolls a hand-written UTF-8 hive back to its exact bytes (comments and encoding kept)', async () => {
    const before = await snapshot(regDir);
    const store = new FileRegistryStore(regDir);
    const plan = await planProxyCopy(store, { sourceStore: await sourceOf(exportFile) });
    const failing = wrap(store, async (k, n, v, i) => {
      if (i === 2) throw new Error('injected failure on write 2');
      return store.writeValue(k, n, v);
    });
    const result = await applyProxyCopy(failing, plan, { backupDir: path.join(dir, 'b') });
    expect(result.status).toBe('rolled-back');
    expect(result.nothingChanged).toBeUndefined();
    expect(result.rollbackError).toBeUndefined();
    const after = await snapshot(regDir);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [name, bytes] of before) expect(after.get(name)!.toString('latin1'), name).toBe(bytes.toString('latin1'));
    expect(fs.existsSync(path.join(regDir, JOURNAL_DIR))).toBe(false);
  });

  it('the journal is on disk before the first write', async () => {
    const store = new FileRegistryStore(regDir);
    const plan = await planProxyCopy(store, { sourceStore: await sourceOf(exportFile) });
    let journalAtFirstWrite: string | undefined;
    const spy = wrap(store, async (k, n, v, i) => {
      if (i === 1) journalAtFirstWrite = fs.readFileSync(path.join(regDir, JOURNAL_DIR, 'journal.json'), 'utf8');
      return store.writeValue(k, n, v);
    });
    expect((await applyProxyCopy(spy, plan, { backupDir: path.join(dir, 'b') })).status).toBe('applied');
    expect(JSON.parse(journalAtFirstWrite!)).toMatchObject({ version: 1, writes: [{ key: LS }, { key: SYS }] });
    expect(fs.existsSync(path.join(regDir, JOURNAL_DIR))).toBe(false);
  });

  it('recovery rolls back a half-applied store byte for byte, or finishes a fully written one, and says which', async () => {
    const store = new FileRegistryStore(regDir);
    const before = await snapshot(regDir);
    const writes = [LS, SYS].map((key) => ({ key, name: 'DefaultConnectionSettings', hex: Buffer.from(newBlob).toString('hex') }));
    // half: journal, one write, then "killed"
    await ProxyCopyTransaction.begin(store, { backupDir: path.join(dir, 'b'), keys: [LS, SYS], writes, regBackups: [] });
    await store.writeValue(LS, 'DefaultConnectionSettings', { type: 'REG_BINARY', data: newBlob });
    fs.writeFileSync(path.join(regDir, 'HKU-S-1-5-18.reg.2147483646.deadbeef.tmp'), 'half a hive');
    const r = await recoverProxyCopy(store, path.join(dir, 'b'));
    expect(r.outcome).toBe('rolled-back');
    expect(r.log.join('\n')).toMatch(/rolled back: restored .*HKU-S-1-5-19\.reg/);
    expect(r.removedTempFiles).toEqual([path.join(regDir, 'HKU-S-1-5-18.reg.2147483646.deadbeef.tmp')]);
    expect(await snapshot(regDir)).toEqual(before);
    // full: journal, both writes, killed before the journal was removed
    await ProxyCopyTransaction.begin(store, { backupDir: path.join(dir, 'b'), keys: [LS, SYS], writes, regBackups: [] });
    for (const key of [LS, SYS]) await store.writeValue(key, 'DefaultConnectionSettings', { type: 'REG_BINARY', data: newBlob });
    const f = await recoverProxyCopy(store, path.join(dir, 'b'));
    expect(f.outcome).toBe('finished');
    expect([await stateOf(store, LS), await stateOf(store, SYS)]).toEqual(['new', 'new']);
    expect((await recoverProxyCopy(store, path.join(dir, 'b'))).outcome).toBe('nothing-to-recover');
  });

  it('--recover on the CLI says what it did; an apply run next recovers first', async () => {
    const store = new FileRegistryStore(regDir);
    const writes = [LS, SYS].map((key) => ({ key, name: 'DefaultConnectionSettings', hex: Buffer.from(newBlob).toString('hex') }));
    /** The journal of a process that died (this test process is alive, so it takes a dead pid). */
    const orphanJournal = () => {
      const f = path.join(regDir, JOURNAL_DIR, 'journal.json');
      fs.writeFileSync(f, JSON.stringify({ ...JSON.parse(fs.readFileSync(f, 'utf8')), pid: 2147483646 }));
    };
    await ProxyCopyTransaction.begin(store, { backupDir: path.join(dir, 'b'), keys: [LS, SYS], writes, regBackups: [] });
    orphanJournal();
    await store.writeValue(SYS, 'DefaultConnectionSettings', { type: 'REG_BINARY', data: newBlob });
    const r = await runCli(['proxy-copy', '--registry', regDir, '--recover']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/interrupted apply was rolled back/);
    expect(await stateOf(store, SYS)).toBe('old');
    await ProxyCopyTransaction.begin(store, { backupDir: path.join(dir, 'b'), keys: [LS, SYS], writes, regBackups: [] });
    orphanJournal();
    await store.writeValue(SYS, 'DefaultConnectionSettings', { type: 'REG_BINARY', data: newBlob });
    const next = await runCli(['proxy-copy', '--reg', exportFile, '--registry', regDir, '--apply']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/recovery: interrupted proxy-copy .* was rolled back/);
    expect(next.stdout).toMatch(/applied and verified/);
    expect([await stateOf(store, LS), await stateOf(store, SYS)]).toEqual(['new', 'new']);
    // backups next to the registry they protect, not in the current folder
    expect(fs.readdirSync(path.join(regDir, 'proxy-copy-backups'))).toHaveLength(2);
  });

  it('kill -9 at many points during --apply: after --recover both targets are fully old or fully new, no *.tmp left', { timeout: 180_000 }, async () => {
    const KILLS = 40;
    const rand = fc.sample(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 1_000 })), { seed: 12, numRuns: KILLS });
    // One uninterrupted run: how long an apply takes here.
    const probeReg = path.join(dir, 'probe-registry');
    await freshRegistry(probeReg);
    const full = await runCli(['proxy-copy', '--reg', exportFile, '--registry', probeReg, '--apply']);
    expect(full.code, full.stderr).toBe(0);
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < KILLS; i++) {
      const reg = path.join(dir, `kill-${i}`);
      await freshRegistry(reg);
      const [onJournal, r] = rand[i]!;
      // Half the kills at a random time over the whole run, half right after the journal
      // appears (the window between the first and the last write is a few ms wide).
      const killed = await spawnAndKill(['proxy-copy', '--reg', exportFile, '--registry', reg, '--apply'], onJournal ? { journalOf: reg, extraMs: r % 15 } : { afterMs: Math.round((r / 1_000) * full.durationMs * 1.1) });
      const rec = await proxyCopyCommand({ registry: reg, recover: true });
      const outcome = killed ? rec.recovery!.outcome : 'completed';
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      const store = new FileRegistryStore(reg);
      const states = [await stateOf(store, LS), await stateOf(store, SYS)];
      expect(states[0], `kill ${i}: ${JSON.stringify(states)}`).toBe(states[1]);
      expect(['old', 'new']).toContain(states[0]);
      if (states[0] === 'old') {
        // fully old means the very bytes: comments and UTF-8 kept
        expect(fs.readFileSync(path.join(reg, 'HKU-S-1-5-19.reg'), 'utf8')).toBe(HAND_WRITTEN_LS);
        expect(fs.readFileSync(path.join(reg, 'HKU-S-1-5-18.reg'), 'utf8')).toBe(HAND_WRITTEN_SYS);
      }
      expect(tmpFilesUnder(reg)).toEqual([]);
      expect(fs.existsSync(path.join(reg, JOURNAL_DIR))).toBe(false);
      await rm(reg, { recursive: true, force: true });
    }
    // Some kills must have landed inside the transaction, or the test proves nothing.
    expect((outcomes['rolled-back'] ?? 0) + (outcomes['finished'] ?? 0), JSON.stringify(outcomes)).toBeGreaterThan(0);
    process.stderr.write(`kill -9 outcomes over ${KILLS} runs: ${JSON.stringify(outcomes)}\n`);
  });
});

describe('the machine refuses', () => {
  it.skipIf(!isRoot)('ENOSPC on the backup folder (a 64 KiB tmpfs): exit 4, one line, nothing changed, no 0-byte backup', async () => {
    const mnt = path.join(dir, 'full');
    fs.mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'pipe' });
    } catch (e) {
      return expect.fail(`as root, mounting a tmpfs must work for this test: ${(e as Error).message}`);
    }
    try {
      fs.writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(60 * 1024 + 512));
      const before = await snapshot(regDir);
      const r = await runCli(['proxy-copy', '--reg', exportFile, '--registry', regDir, '--apply', '--backup-dir', mnt]);
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/ENOSPC: no space left on the device/);
      expect(r.stderr).toMatch(/nothing was changed/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(fs.readdirSync(mnt)).toEqual(['filler']);
      expect(await snapshot(regDir)).toEqual(before);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it('EPERM on the backup folder (chattr +i as root, chmod otherwise): exit 4, one line, nothing changed', async () => {
    const locked = path.join(dir, 'locked');
    fs.mkdirSync(locked);
    if (isRoot) execFileSync('chattr', ['+i', locked]);
    else fs.chmodSync(locked, 0o500);
    try {
      const before = await snapshot(regDir);
      const r = await runCli(['proxy-copy', '--reg', exportFile, '--registry', regDir, '--apply', '--backup-dir', locked]);
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(isRoot ? /EPERM: operation not permitted/ : /EACCES: permission denied/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(await snapshot(regDir)).toEqual(before);
    } finally {
      if (isRoot) execFileSync('chattr', ['-i', locked]);
      else fs.chmodSync(locked, 0o700);
    }
  });
});

async function sourceOf(file: string) {
  const { MemoryRegistryStore, readRegFileBytes } = await import('../../src/registry/index.js');
  const doc = readRegFileBytes(await readFile(file));
  return MemoryRegistryStore.fromRegFile(doc);
}

/** Spawns the CLI and kill -9s it after a delay, or just after its journal appears. Resolves true when it was killed. */
function spawnAndKill(args: string[], when: { afterMs: number } | { journalOf: string; extraMs: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve('dist/cli/main.js'), ...args], { stdio: 'ignore' });
    let exited = false;
    const kill = () => {
      if (!exited) child.kill('SIGKILL');
    };
    child.on('exit', (_code, signal) => {
      exited = true;
      resolve(signal === 'SIGKILL');
    });
    if ('afterMs' in when) setTimeout(kill, when.afterMs);
    else {
      const journal = path.join(when.journalOf, JOURNAL_DIR, 'journal.json');
      const poll = () => {
        if (exited) return;
        if (fs.existsSync(journal)) setTimeout(kill, when.extraMs);
        else setImmediate(poll);
      };
      poll();
    }
  });
}
