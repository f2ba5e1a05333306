/**
 * Steps 2-4 of the procedure, as a transaction over a RegistryStore: back up every key that
 * will be touched (all backups are on disk before the first change), write, read back and
 * compare bytes, and on any failure import the backups so the registry is as before.
 */
import { mkdir } from 'node:fs/promises';
import { AtpNetlabError } from '../errors.js';
import type { Identity } from '../identity.js';
import { shortKeyPath } from '../registry/key-path.js';
import type { RegistryStore } from '../registry/registry-store.js';
import { buildBackupReg, writeBackupFile } from './backup.js';
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
  await mkdir(opts.backupDir, { recursive: true });
  const backupTexts = new Map<TargetPlan, string>();
  for (const t of touched) {
    const names = writes.filter((w) => w.target === t).map((w) => w.value.name);
    const text = await buildBackupReg(store, t, names);
    const file = await writeBackupFile(opts.backupDir, now, t.sid, text);
    backupTexts.set(t, text);
    result.backups.push({ identity: t.identity, sid: t.sid, file });
    result.log.push(`backed up ${shortKeyPath(t.key)} to ${file}`);
  }

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
    return result;
  } catch (e) {
    // 4. roll back every touched key, newest first; keep going so one failure does not strand others
    result.status = 'rolled-back';
    result.error = message(e);
    result.log.push(`failed: ${result.error}; rolling back`);
    const rollbackErrors: string[] = [];
    for (const t of [...touched].reverse()) {
      try {
        await store.importReg(backupTexts.get(t)!);
        result.log.push(`restored ${shortKeyPath(t.key)} from backup`);
      } catch (re) {
        const file = result.backups.find((b) => b.sid === t.sid)?.file;
        rollbackErrors.push(`${shortKeyPath(t.key)}: ${message(re)} (restore by hand: reg import "${file}")`);
      }
    }
    if (rollbackErrors.length) {
      result.rollbackError = rollbackErrors.join('; ');
      result.log.push(`ROLLBACK FAILED: ${result.rollbackError}`);
    }
    result.written = [];
    return result;
  }
}
