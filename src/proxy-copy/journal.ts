/**
 * The proxy-copy transaction journal: what makes `--apply` all-or-nothing across targets even
 * when the process is killed (-9) between two writes.
 *
 *   apply:   .reg backups ─▶ snapshot the exact bytes of every file touched ─▶ journal.json
 *            (tmp + fsync + rename + fsync dir) ─▶ writes ─▶ verify ─▶ remove the journal
 *   failure: restore changed files from the snapshots (byte for byte) ─▶ remove the journal
 *   killed:  the journal stays; the next run (or `proxy-copy --recover`) sees it and
 *            - "finished" when every planned value already reads back as written, or
 *            - "rolled back" otherwise: each file returns to its snapshot's bytes.
 *
 * No store write happens before journal.json is durable, so a run killed earlier left nothing
 * to undo (only temp files, which recovery removes). For a store without files (the live
 * Windows registry) the snapshots are the .reg backups and a rollback imports them.
 *
 * Where: `<store folder>/.proxy-copy-journal/` for a lab registry (found from the store
 * alone), else `<backup folder>/.proxy-copy-journal/`.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AtpNetlabError, environmentError, isAtpNetlabError, isEnvironmentErrno } from '../errors.js';
import { readInputFile } from '../input/read-input.js';
import { decodeRegBytes } from '../registry/reg-file-reader.js';
import type { RegistryStore } from '../registry/registry-store.js';

export const JOURNAL_DIR = '.proxy-copy-journal';
const JOURNAL_FILE = 'journal.json';

export interface JournalWrite {
  key: string;
  name: string;
  /** The bytes written (REG_BINARY), hex. */
  hex: string;
}

interface JournalFileEntry {
  file: string;
  /** Snapshot file name inside the journal folder; null when the file did not exist. */
  snapshot: string | null;
  sha256: string | null;
}

interface JournalDoc {
  version: 1;
  txid: string;
  pid: number;
  startedAt: string;
  files: JournalFileEntry[];
  regBackups: { key: string; file: string }[];
  writes: JournalWrite[];
}

export interface RecoveryResult {
  outcome: 'finished' | 'rolled-back' | 'nothing-to-recover';
  txid?: string;
  /** Temp files of killed runs that were removed. */
  removedTempFiles: string[];
  log: string[];
}

export function journalDirFor(store: RegistryStore, backupDir: string): string {
  return path.join(store.transactionFiles ? store.transactionFiles([]).stateDir : backupDir, JOURNAL_DIR);
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

async function readOrNull(file: string): Promise<Buffer | null> {
  try {
    return await readInputFile(file, 'hive');
  } catch (e) {
    if (isAtpNetlabError(e) && e.code === 'ATPNL_FILE_NOT_FOUND') return null;
    throw e;
  }
}

/** Writes a file durably and atomically: temp, fsync, rename, fsync of the folder. */
async function writeDurable(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const h = await fs.open(tmp, 'wx', 0o600);
    try {
      await h.writeFile(bytes);
      await h.sync();
    } finally {
      await h.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await syncDir(path.dirname(file));
}

async function syncDir(dir: string): Promise<void> {
  let h: fs.FileHandle | undefined;
  try {
    h = await fs.open(dir, 'r');
    await h.sync();
  } catch {
    // some file systems (and Windows) cannot fsync a folder; the rename is still atomic
  } finally {
    await h?.close();
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function wrapEnv(e: unknown, doing: string): never {
  if (isEnvironmentErrno(e)) throw environmentError(e, doing);
  throw e;
}

export class ProxyCopyTransaction {
  private constructor(
    private readonly store: RegistryStore,
    private readonly dir: string,
    private readonly doc: JournalDoc,
  ) {}

  get txid(): string {
    return this.doc.txid;
  }

  /**
   * Snapshots and the journal, durable before the caller's first write. Fails (nothing
   * changed) when the disk refuses; leaves no half-written journal behind.
   */
  static async begin(store: RegistryStore, o: { backupDir: string; keys: string[]; writes: JournalWrite[]; regBackups: { key: string; file: string }[] }): Promise<ProxyCopyTransaction> {
    const dir = journalDirFor(store, o.backupDir);
    const doc: JournalDoc = {
      version: 1,
      txid: `${new Date().toISOString().replace(/[-:.]/g, '')}-${process.pid}-${randomBytes(3).toString('hex')}`,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      files: [],
      regBackups: o.regBackups,
      writes: o.writes,
    };
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      const files = store.transactionFiles ? store.transactionFiles(o.keys).files : [];
      for (const [i, file] of files.entries()) {
        const bytes = await readOrNull(file);
        if (bytes === null) {
          doc.files.push({ file, snapshot: null, sha256: null });
          continue;
        }
        const snapshot = `${i}-${path.basename(file)}.orig`;
        await writeDurable(path.join(dir, snapshot), bytes);
        doc.files.push({ file, snapshot, sha256: sha256(bytes) });
      }
      await writeDurable(path.join(dir, JOURNAL_FILE), Buffer.from(JSON.stringify(doc, null, 2)));
    } catch (e) {
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
      wrapEnv(e, 'write the proxy-copy journal');
    }
    return new ProxyCopyTransaction(store, dir, doc);
  }

  /** The apply is complete (or fully undone): the journal goes. */
  async end(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
    await syncDir(path.dirname(this.dir));
  }

  /** Puts every changed file back to its snapshot's exact bytes (or imports the .reg backups). Returns what it restored. */
  restore(): Promise<string[]> {
    return restoreFrom(this.store, this.dir, this.doc);
  }
}

async function restoreFrom(store: RegistryStore, dir: string, doc: JournalDoc): Promise<string[]> {
  const restored: string[] = [];
  if (doc.files.length) {
    for (const f of doc.files) {
      const now = await readOrNull(f.file);
      if (f.snapshot === null) {
        if (now !== null) {
          await fs.rm(f.file, { force: true });
          restored.push(`${f.file} (removed: it did not exist before)`);
        }
        continue;
      }
      if (now !== null && sha256(now) === f.sha256) continue; // unchanged: no write at all
      const bytes = await readInputFile(path.join(dir, f.snapshot), 'hive');
      if (sha256(bytes) !== f.sha256) {
        throw new AtpNetlabError('ATPNL_PROXY_COPY_JOURNAL', `snapshot ${f.snapshot} does not match its checksum; restore ${f.file} from the .reg backups by hand`, { file: path.join(dir, JOURNAL_FILE) });
      }
      await writeDurable(f.file, bytes);
      restored.push(f.file);
    }
    return restored;
  }
  for (const b of [...doc.regBackups].reverse()) {
    await store.importReg(decodeRegBytes(await readInputFile(b.file, 'reg')));
    restored.push(b.key);
  }
  return restored;
}

async function allWritesVisible(store: RegistryStore, writes: JournalWrite[]): Promise<boolean> {
  for (const w of writes) {
    const v = await store.readValue(w.key, w.name);
    if (!v || v.type !== 'REG_BINARY' || Buffer.from(v.data).toString('hex') !== w.hex) return false;
  }
  return true;
}

/**
 * Finishes or rolls back an interrupted apply on this store, and removes temp files killed
 * runs left. Safe to run any time (idempotent; a crash during recovery is recovered next time).
 */
export async function recoverProxyCopy(store: RegistryStore, backupDir: string): Promise<RecoveryResult> {
  const removedTempFiles = (await store.removeStaleTempFiles?.()) ?? [];
  const dir = journalDirFor(store, backupDir);
  const log = removedTempFiles.map((f) => `removed temp file ${f} left by a killed run`);
  let text: Buffer;
  try {
    text = await readInputFile(path.join(dir, JOURNAL_FILE), 'journal');
  } catch (e) {
    if (!(isAtpNetlabError(e) && e.code === 'ATPNL_FILE_NOT_FOUND')) throw e;
    // A run killed before its journal was durable changed nothing: drop its snapshots.
    const leftover = await fs.stat(dir).then(() => true, () => false);
    if (leftover) {
      await fs.rm(dir, { recursive: true, force: true });
      log.push(`removed ${dir}: a run was killed before its first write (nothing was changed)`);
    }
    return { outcome: 'nothing-to-recover', removedTempFiles, log };
  }
  let doc: JournalDoc;
  try {
    doc = JSON.parse(text.toString('utf8')) as JournalDoc;
    if (doc.version !== 1 || !Array.isArray(doc.files) || !Array.isArray(doc.writes)) throw new Error('unknown layout');
  } catch (e) {
    throw new AtpNetlabError('ATPNL_PROXY_COPY_JOURNAL', `the journal is unreadable (${(e as Error).message}); restore from the .reg backups by hand, then delete ${dir}`, { file: path.join(dir, JOURNAL_FILE) });
  }
  if (isAlive(doc.pid)) {
    throw new AtpNetlabError('ATPNL_PROXY_COPY_JOURNAL', `another proxy-copy (pid ${doc.pid}) is applying to this registry now; wait for it to end`, { file: path.join(dir, JOURNAL_FILE) });
  }
  try {
    if (await allWritesVisible(store, doc.writes)) {
      await fs.rm(dir, { recursive: true, force: true });
      log.push(`interrupted proxy-copy ${doc.txid} had written every value: finished (nothing to undo)`);
      return { outcome: 'finished', txid: doc.txid, removedTempFiles, log };
    }
    const restored = await restoreFrom(store, dir, doc);
    await fs.rm(dir, { recursive: true, force: true });
    log.push(`interrupted proxy-copy ${doc.txid} was rolled back: ${restored.length ? `restored ${restored.join(', ')}` : 'nothing had been written yet'}`);
    return { outcome: 'rolled-back', txid: doc.txid, removedTempFiles, log };
  } catch (e) {
    wrapEnv(e, `recover the interrupted proxy-copy ${doc.txid}`);
  }
}
