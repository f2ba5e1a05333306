/**
 * Backups that restore a target key exactly: `reg export` alone cannot undo a value that did
 * not exist before (importing it leaves the new value in place), so a backup is the export
 * plus `"Name"=-` for each value proxy-copy will add, or `[-key]` when the key itself is new.
 * Importing the backup therefore returns the key to its state before the copy.
 */
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseRegText } from '../registry/reg-file-reader.js';
import type { RegFileEntry } from '../registry/reg-file.js';
import { encodeRegText, writeRegText } from '../registry/reg-file-writer.js';
import type { RegistryStore } from '../registry/registry-store.js';
import type { TargetPlan } from './plan.js';

/** `20261129T114413123Z`: sortable, no characters Windows forbids in file names. */
export function backupTimestamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace('.', '');
}

export function backupFileName(now: Date, sid: string): string {
  return `proxy-copy-backup-${backupTimestamp(now)}-${sid}.reg`;
}

/** Reads the target's current state and returns the .reg text that restores it. */
export async function buildBackupReg(store: RegistryStore, target: TargetPlan, valueNames: string[]): Promise<string> {
  if (!(await store.keyExists(target.key))) {
    return writeRegText({ format: 'regedit5', entries: [{ kind: 'deleteKey', path: target.key }] });
  }
  const exported = parseRegText(await store.exportKeys([target.key]));
  const current = (await store.listValues(target.key)) ?? [];
  const absent = valueNames.filter((n) => !current.some((v) => v.name.toLowerCase() === n.toLowerCase()));
  const entries: RegFileEntry[] = [...exported.entries];
  if (absent.length) entries.push({ kind: 'key', path: target.key, values: absent.map((name) => ({ name, value: null })) });
  return writeRegText({ format: 'regedit5', entries });
}

/** Writes the backup as regedit does (UTF-16LE, BOM), never overwriting an existing file. */
export async function writeBackupFile(dir: string, now: Date, sid: string, text: string): Promise<string> {
  const base = backupFileName(now, sid);
  for (let n = 0; ; n++) {
    const file = path.join(dir, n === 0 ? base : base.replace(/\.reg$/, `-${n}.reg`));
    let handle;
    try {
      handle = await open(file, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    try {
      await handle.writeFile(encodeRegText(text, 'regedit5'));
      await handle.sync();
    } catch (e) {
      // A full disk must not leave a 0-byte "backup" that restores nothing.
      await handle.close().catch(() => undefined);
      await rm(file, { force: true });
      throw e;
    }
    await handle.close();
    return file;
  }
}
