/**
 * The live Windows registry through reg.exe. Reads go through `reg export` + our .reg
 * reader rather than parsing `reg query` text, whose layout and "(Default)" label are
 * localised. On Windows it runs `reg.exe`; the runner is configurable (commandRegRunner), so
 * the same store runs against Wine's reg.exe (`unshare -n wine reg.exe`, with `regExePath`
 * mapping temp files to `Z:\...`) in test/wine/, an implementation nobody here wrote.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AtpNetlabError } from '../errors.js';
import { readInputFile } from '../input/read-input.js';
import { parseKeyPath } from './key-path.js';
import { readRegFileBytes } from './reg-file-reader.js';
import { encodeRegText, writeRegText } from './reg-file-writer.js';
import type { RegFileEntry } from './reg-file.js';
import {
  regAddArgs,
  regAddSupports,
  regDeleteKeyArgs,
  regDeleteValueArgs,
  regExportArgs,
  regImportArgs,
  regQueryArgs,
  windowsCommandLine,
} from './reg-exe-args.js';
import type { RegistryStore } from './registry-store.js';
import { RegistryTree } from './registry-tree.js';
import type { RegNamedValue, RegValue } from './value.js';

export interface RegRunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}
export type RegRunner = (args: string[]) => Promise<RegRunResult>;

export interface RegCommandOptions {
  env?: NodeJS.ProcessEnv;
  /** Kill reg.exe after this long (a hung reg.exe must not hang the tool); default 60 s. */
  timeoutMs?: number;
}

/**
 * Runs reg.exe as `command... <args>` without a shell, e.g. `['reg.exe']` on Windows or
 * `['unshare', '-n', 'wine', 'reg.exe']` for Wine's. Exit codes are reg.exe's own.
 */
export function commandRegRunner(command: readonly [string, ...string[]], opts: RegCommandOptions = {}): RegRunner {
  const [file, ...prefix] = command;
  return (args) =>
    new Promise((resolve, reject) => {
      execFile(
        file,
        [...prefix, ...args],
        { windowsHide: true, encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20, ...(opts.env ? { env: opts.env } : {}) },
        (err, stdout, stderr) => {
          if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
            reject(new AtpNetlabError('ATPNL_WINDOWS_ONLY', `cannot run ${command.join(' ')}: ${err.message}`));
            return;
          }
          if (err && (err as { killed?: boolean }).killed) {
            reject(new AtpNetlabError('ATPNL_WINDOWS_ONLY', `${command.join(' ')} ${args[0] ?? ''} did not finish within ${opts.timeoutMs ?? 60_000} ms`));
            return;
          }
          resolve({ exitCode: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
        },
      );
    });
}

export const defaultRegRunner: RegRunner = commandRegRunner(['reg.exe']);

export interface WindowsStoreOptions {
  runner?: RegRunner;
  /** Where temporary export/import files go; default os.tmpdir(). */
  tempDir?: string;
  /** How reg.exe names a temp file; identity on Windows, `Z:\...` under Wine. */
  regExePath?: (hostPath: string) => string;
}

export class WindowsRegistryStore implements RegistryStore {
  readonly kind = 'windows' as const;
  private readonly run: RegRunner;
  private readonly tempDir: string;
  private readonly regExePath: (hostPath: string) => string;

  constructor(opts: WindowsStoreOptions = {}) {
    if (!opts.runner && process.platform !== 'win32') {
      throw new AtpNetlabError('ATPNL_WINDOWS_ONLY', `the live registry store needs Windows (reg.exe); this is ${process.platform}`);
    }
    this.run = opts.runner ?? defaultRegRunner;
    this.tempDir = opts.tempDir ?? os.tmpdir();
    this.regExePath = opts.regExePath ?? ((p) => p);
  }

  private async runOk(args: string[]): Promise<RegRunResult> {
    const r = await this.run(args);
    if (r.exitCode !== 0) {
      throw new AtpNetlabError(
        'ATPNL_REG_NOT_FOUND',
        `${windowsCommandLine('reg', args)} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`,
      );
    }
    return r;
  }

  private async withTemp<T>(fn: (file: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(path.join(this.tempDir, 'atp-netlab-reg-'));
    try {
      return await fn(path.join(dir, 'data.reg'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The key's subtree, or undefined when `reg query` says it is missing. */
  private async exportTree(key: string): Promise<RegistryTree | undefined> {
    if (!(await this.keyExists(key))) return undefined;
    return this.withTemp(async (file) => {
      await this.runOk(regExportArgs(key, this.regExePath(file)));
      return RegistryTree.fromRegFile(readRegFileBytes(await readInputFile(file, 'hive'), { file }));
    });
  }

  async keyExists(key: string): Promise<boolean> {
    return (await this.run(regQueryArgs(key))).exitCode === 0;
  }

  async readValue(key: string, name: string): Promise<RegValue | undefined> {
    return (await this.exportTree(key))?.readValue(key, name);
  }

  async listValues(key: string): Promise<RegNamedValue[] | undefined> {
    return (await this.exportTree(key))?.listValues(key);
  }

  async listSubkeys(key: string): Promise<string[]> {
    return (await this.exportTree(key))?.listSubkeys(key) ?? [];
  }

  async writeValue(key: string, name: string, value: RegValue): Promise<void> {
    if (regAddSupports(value)) {
      await this.runOk(regAddArgs(key, name, value));
      return;
    }
    await this.importReg(writeRegText({ format: 'regedit5', entries: [{ kind: 'key', path: parseKeyPath(key).full, values: [{ name, value }] }] }));
  }

  async deleteValue(key: string, name: string): Promise<void> {
    if ((await this.readValue(key, name)) === undefined) return;
    await this.runOk(regDeleteValueArgs(key, name));
  }

  async deleteKey(key: string): Promise<void> {
    if (!(await this.keyExists(key))) return;
    await this.runOk(regDeleteKeyArgs(key));
  }

  async exportKeys(keys: string[]): Promise<string> {
    const entries: RegFileEntry[] = [];
    for (const key of keys) {
      const tree = await this.exportTree(key);
      if (!tree) throw new AtpNetlabError('ATPNL_REG_NOT_FOUND', `registry key not found: ${parseKeyPath(key).full}`);
      entries.push(...tree.exportEntries(key));
    }
    return writeRegText({ format: 'regedit5', entries });
  }

  async importReg(text: string): Promise<void> {
    await this.withTemp(async (file) => {
      await writeFile(file, encodeRegText(text, 'regedit5'));
      await this.runOk(regImportArgs(this.regExePath(file)));
    });
  }
}
