/**
 * Steps 2-4 of the procedure, as a transaction over a RegistryStore: back up every key that
 * will be touched (all backups are on disk before the first change), journal (journal.ts),
 * write, read back and compare bytes, and on any failure put back exactly what was there:
 * the hive files' own bytes for a lab registry, the .reg backups for the live registry.
 * A kill at any point is finished or rolled back by the next run (recoverProxyCopy).
 */
import { mkdir } from 'node:fs/promises';
import { AtpNetlabError, environmentError, isEnvironmentErrno } from '../errors.js';
import type { Identity } from '../identity.js';
import { shortKeyPath } from '../registry/key-path.js';
import type { RegistryStore } from '../registry/registry-store.js';
import { buildBackupReg, writeBackupFile } from './backup.js';
import { ProxyCopyTransaction, recoverProxyCopy, type RecoveryResult } from './journal.js';
import { compareValue, plannedWrites, type CopiedValueName, type ProxyCopyPlan, type TargetPlan, type ValuePlan } from './plan.js';

export interface ApplyOptions {
  /** Directory for the .reg backups (created if needed). */
  backupDir: string;
  /** Clock for backup names; tests pin it. */
  now?: Date;
}

export interface ProxyCopyResult {
  status: 'applied' | 'no-op' | 'rolled-back';
  backups: { identity: Identity; sid: string; file: string }[];
  written: { identity: Identity; name: CopiedValueName }[];
  /** What happened, in order, for the console. */
  log: string[];
  /** Why the copy failed (status rolled-back). */
  error?: string;
  /** Set when restoring a backup failed too: the registry needs a manual `reg import`. */
  rollbackError?: string;
  /** Status rolled-back: no target had changed when the failure came (e.g. the first write failed). */
  nothingChanged?: boolean;
  /** What recovering an earlier interrupted apply did, when there was one. */
  recovery?: RecoveryResult;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function message(e: unknown): string {
  return e instanceof AtpNetlabError ? e.describe() : e instanceof Error ? e.message : String(e);
}

function sameComparison(a: ValuePlan, b: ValuePlan): boolean {
  if (a.status !== b.status || !!a.wrongType !== !!b.wrongType) return false;
  if (!a.current || !b.current) return !a.current && !b.current;
  return bytesEqual(a.current, b.current);
}

/** Fails when a target changed between planning and applying: the plan's comparison is stale. */
async function checkStillCurrent(store: RegistryStore, plan: ProxyCopyPlan, target: TargetPlan): Promise<void> {
  for (const v of target.values) {
    const src = plan.source.values.find((s) => s.name === v.name)!;
    const now = compareValue(src, (await store.keyExists(target.key)) ? await store.readValue(target.key, v.name) : undefined);
    if (!sameComparison(v, now)) {
      throw new AtpNetlabError('ATPNL_PROXY_COPY', `${target.identity}'s ${v.name} changed since the plan was made; plan again`, { field: v.name });
    }
  }
}

export async function applyProxyCopy(store: RegistryStore, plan: ProxyCopyPlan, opts: ApplyOptions): Promise<ProxyCopyResult> {
  if (!plan.targetsKnown) {
    throw new AtpNetlabError('ATPNL_USAGE', 'this plan was made without reading the targets; plan against the registry to apply it');
  }
  const result: ProxyCopyResult = { status: 'applied', backups: [], written: [], log: [] };
  // An earlier run killed mid-apply is finished or rolled back first (and its temp files go).
  const recovery = await recoverProxyCopy(store, opts.backupDir);
  if (recovery.outcome !== 'nothing-to-recover' || recovery.log.length) {
    result.recovery = recovery;
    result.log.push(...recovery.log);
  }
  const writes = plannedWrites(plan);
  if (writes.length === 0) {
    result.status = 'no-op';
    result.log.push('nothing to do: every target already has the source values; nothing written, no backup needed');
    return result;
  }
  const touched = plan.targets.filter((t) => writes.some((w) => w.target === t));
  for (const t of touched) await checkStillCurrent(store, plan, t);

  // 1. back up everything first: a failure here changes nothing
  const now = opts.now ?? new Date();
  try {
    await mkdir(opts.backupDir, { recursive: true });
    for (const t of touched) {
      const names = writes.filter((w) => w.target === t).map((w) => w.value.name);
      const text = await buildBackupReg(store, t, names);
      const file = await writeBackupFile(opts.backupDir, now, t.sid, text);
      result.backups.push({ identity: t.identity, sid: t.sid, file });
      result.log.push(`backed up ${shortKeyPath(t.key)} to ${file}`);
    }
  } catch (e) {
    if (isEnvironmentErrno(e)) throw environmentError(e, 'write the proxy-copy backup (nothing was changed)');
    throw e;
  }
  // 2. the journal: durable before the first write, so a kill is recoverable
  const tx = await ProxyCopyTransaction.begin(store, {
    backupDir: opts.backupDir,
    keys: touched.map((t) => t.key),
    writes: writes.map((w) => ({ key: w.target.key, name: w.value.name, hex: Buffer.from(w.value.bytes).toString('hex') })),
    regBackups: result.backups.map((b) => ({ key: touched.find((t) => t.sid === b.sid)!.key, file: b.file })),
  });
  result.log.push(`journal ${tx.txid} written`);

  try {
    // 2. write
    for (const w of writes) {
      await store.writeValue(w.target.key, w.value.name, { type: 'REG_BINARY', data: w.value.bytes });
      result.written.push({ identity: w.target.identity, name: w.value.name });
      result.log.push(`wrote ${w.value.name} to ${shortKeyPath(w.target.key)}`);
    }
    // 3. verify: read back, byte for byte
    for (const w of writes) {
      const back = await store.readValue(w.target.key, w.value.name);
      if (!back || back.type !== 'REG_BINARY' || !bytesEqual(back.data, w.value.bytes)) {
        throw new AtpNetlabError('ATPNL_PROXY_COPY_VERIFY', `${w.target.identity}'s ${w.value.name} did not read back byte-identical`, { field: w.value.name });
      }
      result.log.push(`verified ${w.value.name} under ${shortKeyPath(w.target.key)}`);
    }
    await tx.end();
    return result;
  } catch (e) {
    // 4. roll back: only what changed, to the exact bytes it had
    result.status = 'rolled-back';
    result.error = message(e);
    result.written = [];
    if (!(await anyTargetChanged(store, touched).catch(() => true))) {
      result.nothingChanged = true;
      result.log.push(`failed: ${result.error}; nothing was changed (no target differs from before)`);
      await tx.end();
      return result;
    }
    result.log.push(`failed: ${result.error}; rolling back`);
    try {
      for (const what of await tx.restore()) result.log.push(`restored ${what} from the backup, byte for byte`);
      await tx.end();
    } catch (re) {
      // The journal stays: `proxy-copy --recover` retries the rollback.
      result.rollbackError = `${message(re)} (run \`atp-netlab proxy-copy --recover\` again, or restore by hand: ${result.backups.map((b) => `reg import "${b.file}"`).join('; ')})`;
      result.log.push(`ROLLBACK FAILED: ${result.rollbackError}`);
    }
    return result;
  }
}

/** True when a target's copied values differ from what the plan read before any write. */
async function anyTargetChanged(store: RegistryStore, touched: TargetPlan[]): Promise<boolean> {
  for (const t of touched) {
    const exists = await store.keyExists(t.key);
    if (exists !== (t.keyExists ?? exists)) return true;
    for (const v of t.values) {
      const now = exists ? await store.readValue(t.key, v.name) : undefined;
      const before = v.current ?? null;
      if (v.wrongType) {
        if (!now || now.type === 'REG_BINARY') return true;
        continue;
      }
      if (before === null ? now !== undefined : !now || now.type !== 'REG_BINARY' || !bytesEqual(now.data, before)) return true;
    }
  }
  return false;
}
