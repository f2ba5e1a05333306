/**
 * The lab's registry: a directory holding one real .reg file per hive (`HKCU.reg`,
 * `HKLM.reg`, `HKU-S-1-5-19.reg`, ...), each exactly as regedit would export it, so a lab
 * registry can be inspected, diffed, hand-edited and imported on a real host.
 *
 * Every operation reads the files afresh (edits made by hand or by another process are seen)
 * and replaces a changed file atomically (temp file + rename), so a crash or an injected
 * failure never leaves half a hive on disk. Operations on one store instance are serialised.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { AtpNetlabError, isAtpNetlabError } from '../errors.js';
import { readInputFile } from '../input/read-input.js';
import { parseKeyPath } from './key-path.js';
import { parseRegText, readRegFileBytes } from './reg-file-reader.js';
import type { RegFileEntry } from './reg-file.js';
import { writeRegFileBytes, writeRegText } from './reg-file-writer.js';
import type { RegistryStore } from './registry-store.js';
import { RegistryTree } from './registry-tree.js';
import type { RegNamedValue, RegValue } from './value.js';

const SHORT: Record<string, string> = {
  HKEY_CURRENT_USER: 'HKCU',
  HKEY_LOCAL_MACHINE: 'HKLM',
  HKEY_CLASSES_ROOT: 'HKCR',
  HKEY_CURRENT_CONFIG: 'HKCC',
};

/** File name (without directory) of the hive file holding `key`. */
export function hiveFileName(key: string): string {
  const k = parseKeyPath(key);
  if (k.hive !== 'HKEY_USERS') return `${SHORT[k.hive]}.reg`;
  const user = k.subkey.split('\\')[0] ?? '';
  if (user === '') return 'HKU.reg';
  return `HKU-${user.toUpperCase().replace(/[^A-Z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}.reg`;
}

/** `HKCU.reg.<pid>.<hex>.tmp`: the writer's pid tells a live writer's file from a dead one's. */
const TEMP_FILE = /^.+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

export function tempFileName(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class FileRegistryStore implements RegistryStore {
  readonly kind = 'lab' as const;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {}

  /** Path of the hive file for a key (exists or not). */
  hiveFile(key: string): string {
    return path.join(this.dir, hiveFileName(key));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async loadFile(file: string): Promise<RegistryTree> {
    let bytes: Buffer;
    try {
      bytes = await readInputFile(file, 'hive');
    } catch (e) {
      if (isAtpNetlabError(e) && e.code === 'ATPNL_FILE_NOT_FOUND') return new RegistryTree();
      throw e;
    }
    return RegistryTree.fromRegFile(readRegFileBytes(bytes, { file }));
  }

  private async saveFile(file: string, tree: RegistryTree): Promise<void> {
    if (tree.size === 0) {
      await rm(file, { force: true });
      return;
    }
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = tempFileName(file);
    try {
      // fsync before rename: after a crash the hive is the old file or the new one, never empty.
      const handle = await open(tmp, 'wx');
      try {
        await handle.writeFile(writeRegFileBytes(tree.toRegFile('regedit5')));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  private async hiveFilesUnderUsers(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((f) => /^HKU-.+\.reg$/i.test(f));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  transactionFiles(keys: string[]): { stateDir: string; files: string[] } {
    return { stateDir: this.dir, files: [...new Set(keys.map((k) => this.hiveFile(k)))] };
  }

  removeStaleTempFiles(): Promise<string[]> {
    return this.serial(async () => {
      let names: string[];
      try {
        names = await readdir(this.dir);
      } catch {
        return [];
      }
      const removed: string[] = [];
      for (const n of names) {
        const m = TEMP_FILE.exec(n);
        if (!m || isAlive(Number(m[1]))) continue;
        await rm(path.join(this.dir, n), { force: true });
        removed.push(path.join(this.dir, n));
      }
      return removed;
    });
  }

  keyExists(key: string): Promise<boolean> {
    return this.serial(async () => {
      if (parseKeyPath(key).subkey === '') return true;
      return (await this.loadFile(this.hiveFile(key))).keyExists(key);
    });
  }

  readValue(key: string, name: string): Promise<RegValue | undefined> {
    return this.serial(async () => (await this.loadFile(this.hiveFile(key))).readValue(key, name));
  }

  listValues(key: string): Promise<RegNamedValue[] | undefined> {
    return this.serial(async () => (await this.loadFile(this.hiveFile(key))).listValues(key));
  }

  listSubkeys(key: string): Promise<string[]> {
    return this.serial(async () => {
      const k = parseKeyPath(key);
      if (k.hive === 'HKEY_USERS' && k.subkey === '') {
        const out: string[] = [];
        for (const f of await this.hiveFilesUnderUsers()) {
          const tree = await this.loadFile(path.join(this.dir, f));
          out.push(...tree.listSubkeys('HKEY_USERS'));
        }
        return out;
      }
      return (await this.loadFile(this.hiveFile(key))).listSubkeys(key);
    });
  }

  private mutate(key: string, fn: (tree: RegistryTree) => void): Promise<void> {
    return this.serial(async () => {
      const file = this.hiveFile(key);
      const tree = await this.loadFile(file);
      fn(tree);
      await this.saveFile(file, tree);
    });
  }

  writeValue(key: string, name: string, value: RegValue): Promise<void> {
    return this.mutate(key, (t) => t.setValue(key, name, value));
  }

  deleteValue(key: string, name: string): Promise<void> {
    return this.mutate(key, (t) => t.deleteValue(key, name));
  }

  deleteKey(key: string): Promise<void> {
    return this.mutate(key, (t) => t.deleteKey(key));
  }

  exportKeys(keys: string[]): Promise<string> {
    return this.serial(async () => {
      const entries: RegFileEntry[] = [];
      const seen = new Set<string>();
      for (const key of keys) {
        const tree = await this.loadFile(this.hiveFile(key));
        if (!tree.keyExists(key)) {
          throw new AtpNetlabError('ATPNL_REG_NOT_FOUND', `registry key not found: ${parseKeyPath(key).full}`, { file: this.hiveFile(key) });
        }
        for (const e of tree.exportEntries(key)) {
          if (seen.has(e.path.toLowerCase())) continue;
          seen.add(e.path.toLowerCase());
          entries.push(e);
        }
      }
      return writeRegText({ format: 'regedit5', entries });
    });
  }

  importReg(text: string): Promise<void> {
    return this.serial(async () => {
      const doc = parseRegText(text, { file: '(import)' });
      // Apply everything in memory first, then write each touched hive: a bad entry in the
      // middle of the file fails before any hive on disk changes.
      const trees = new Map<string, RegistryTree>();
      for (const e of doc.entries) {
        const file = this.hiveFile(e.path);
        let tree = trees.get(file);
        if (!tree) {
          tree = await this.loadFile(file);
          trees.set(file, tree);
        }
        tree.applyEntry(e);
      }
      for (const [file, tree] of trees) await this.saveFile(file, tree);
    });
  }
}
