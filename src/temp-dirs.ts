/**
 * Temporary folders of one run: per user and per run (`<tmpdir>/atp-netlab-<uid>-<purpose>-XXXXXX`,
 * created by mkdtemp with mode 0700), tracked here so that they go away on every way out:
 *
 *   normal end ─▶ the owner disposes it ─▶ untracked
 *   exit / uncaught error ─▶ 'exit' handler removes what is still tracked (synchronously)
 *   SIGINT / SIGTERM ─▶ the CLI's signal handler calls removeTrackedTempDirsSync, then exits
 *
 * The uid in the name keeps one user's leftovers from blocking or confusing another's.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const tracked = new Set<string>();
let exitHookInstalled = false;

/** `atp-netlab-<uid>-`: the prefix of every temporary folder this user's runs create. */
export function tempDirPrefix(): string {
  const uid = typeof process.getuid === 'function' ? String(process.getuid()) : os.userInfo().username.replace(/[^A-Za-z0-9_-]/g, '_');
  return `atp-netlab-${uid}-`;
}

/** A new private folder for `purpose` (kebab-case, e.g. `host-proxy-auth`), removed on exit. */
export async function makeTempDir(purpose: string): Promise<string> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', removeTrackedTempDirsSync);
  }
  const safe = purpose.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 60);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `${tempDirPrefix()}${safe}-`));
  tracked.add(dir);
  return dir;
}

/** Removes a folder made by makeTempDir (and stops tracking it). */
export async function removeTempDir(dir: string): Promise<void> {
  await fsp.rm(dir, { recursive: true, force: true });
  tracked.delete(dir);
}

/** Folders still tracked (tests). */
export function trackedTempDirs(): string[] {
  return [...tracked];
}

/** Synchronous: callable from 'exit' and signal handlers, where no await runs. */
export function removeTrackedTempDirsSync(): void {
  for (const dir of tracked) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort on the way out; nothing left to report to
    }
    tracked.delete(dir);
  }
}
