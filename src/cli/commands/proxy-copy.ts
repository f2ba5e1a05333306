/**
 * `atp-netlab proxy-copy`: the seed's static-proxy procedure from an HKCU export. Dry-run by
 * default (prints the plan); `--out` writes an importable .reg and a PowerShell script that
 * does backup -> write -> verify -> rollback on the host; `--apply` does it here, on a lab
 * registry directory (`--registry`) or, on Windows, on the live registry.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AtpNetlabError } from '../../errors.js';
import { IDENTITIES, parseIdentity, type Identity } from '../../identity.js';
import { applyProxyCopy, type ProxyCopyResult } from '../../proxy-copy/apply.js';
import { recoverProxyCopy, type RecoveryResult } from '../../proxy-copy/journal.js';
import { DEFAULT_TARGETS, connectionsKey, planProxyCopy, renderProxyCopyPlan, type ProxyCopyPlan } from '../../proxy-copy/plan.js';
import { renderProxyCopyPs1 } from '../../proxy-copy/render-ps1.js';
import { renderProxyCopyReg } from '../../proxy-copy/render-reg.js';
import { FileRegistryStore } from '../../registry/file-registry-store.js';
import { keyPathEquals } from '../../registry/key-path.js';
import { MemoryRegistryStore } from '../../registry/memory-registry-store.js';
import type { RegistryStore } from '../../registry/registry-store.js';
import { WindowsRegistryStore } from '../../registry/windows-registry-store.js';
import type { RegisterCommand } from './index.js';
import { formatHint, scanRegFile } from './reg-input.js';

export interface ProxyCopyCommandOptions {
  /** Required unless recover. */
  reg?: string;
  /** Only finish or roll back an interrupted apply (and remove its temp files). */
  recover?: boolean;
  targets?: string;
  out?: string;
  registry?: string;
  apply?: boolean;
  backupDir?: string;
  /** Copy a source value that has warnings (see decode); refused without it. */
  force?: boolean;
  /** Injected in tests; defaults to process.platform. */
  platform?: NodeJS.Platform;
  /** Injected in tests (e.g. a Windows store with a fake reg.exe). */
  liveStore?: () => RegistryStore;
  now?: Date;
}

export interface ProxyCopyCommandOutput {
  exitCode: 0 | 1;
  stdout: string;
  /** Failures (the apply did not take effect): written to stderr. */
  stderr: string;
  recovery?: RecoveryResult;
  warnings: string[];
  plan?: ProxyCopyPlan;
  result?: ProxyCopyResult;
  files: string[];
}

/**
 * Where --apply keeps its backups by default: next to the registry it protects, never the
 * current folder (a lab registry: inside its folder; the live registry: %ProgramData%).
 */
export function defaultBackupDir(o: { registry?: string; out?: string }): string {
  if (o.out) return o.out;
  if (o.registry) return path.join(o.registry, 'proxy-copy-backups');
  return path.join(process.env.ProgramData ?? os.homedir(), 'atp-netlab', 'proxy-copy-backups');
}

function usage(message: string, field?: string): AtpNetlabError {
  return new AtpNetlabError('ATPNL_USAGE', message, field ? { field } : {});
}

export function parseTargets(text: string | undefined): Identity[] {
  if (text === undefined) return DEFAULT_TARGETS;
  const out: Identity[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const id = parseIdentity(raw);
    if (!id) throw usage(`unknown target ${JSON.stringify(raw)} (one of ${IDENTITIES.filter((i) => i !== 'CurrentUser').join(', ')}, or their SIDs)`, 'targets');
    out.push(id);
  }
  if (out.length === 0) throw usage('--targets is empty', 'targets');
  return out;
}

/**
 * Source values from the export: the HKCU Connections key when present; otherwise the only
 * Connections key with a DefaultConnectionSettings (an export of `HKU\<user SID>\...`).
 */
async function sourceFromExport(file: string): Promise<{ store: MemoryRegistryStore; warnings: string[] }> {
  const scan = await scanRegFile(file);
  const warnings = scan.hints.map((h) => `${file}: ${formatHint(h)}`);
  const hkcu = connectionsKey('CurrentUser');
  const candidates = scan.values.filter((v) => v.name !== 'WinHttpSettings');
  let chosen = candidates.filter((v) => keyPathEquals(v.key, hkcu));
  if (chosen.length === 0) {
    const keys = [...new Set(candidates.filter((v) => v.name === 'DefaultConnectionSettings').map((v) => v.key.toLowerCase()))];
    if (keys.length !== 1) {
      throw new AtpNetlabError(
        'ATPNL_REG_NOT_FOUND',
        keys.length === 0
          ? 'the export has no DefaultConnectionSettings to copy (only WinHttpSettings or SavedLegacySettings)'
          : `the export has DefaultConnectionSettings under ${keys.length} keys and none under HKCU; export only the user's Connections key`,
        { file },
      );
    }
    chosen = candidates.filter((v) => v.key.toLowerCase() === keys[0]);
    warnings.push(`${file}: using the values under ${chosen[0]!.key} as the source`);
  }
  const store = new MemoryRegistryStore();
  for (const v of chosen) store.tree.setValue(hkcu, v.name, { type: 'REG_BINARY', data: v.bytes });
  return { store, warnings };
}

export async function proxyCopyCommand(opts: ProxyCopyCommandOptions): Promise<ProxyCopyCommandOutput> {
  const platform = opts.platform ?? process.platform;
  if (opts.recover) return recoverCommand(opts, platform);
  if (!opts.reg) throw usage('--reg <hkcu-export.reg> is required', 'reg');
  const targets = parseTargets(opts.targets);
  if (opts.apply && !opts.registry && platform !== 'win32') {
    throw new AtpNetlabError(
      'ATPNL_WINDOWS_ONLY',
      `--apply without --registry changes the live Windows registry and needs Windows; this is ${platform}. Use --registry DIR for a lab registry, or --out DIR for a .ps1 to run on the host`,
    );
  }
  const source = await sourceFromExport(opts.reg);
  let store: RegistryStore | null = null;
  if (opts.registry) store = new FileRegistryStore(opts.registry);
  else if (platform === 'win32') store = opts.liveStore ? opts.liveStore() : new WindowsRegistryStore();
  else if (opts.liveStore) store = opts.liveStore();

  const backupDir = opts.backupDir ?? defaultBackupDir(opts);
  const lines: string[] = [];
  // An apply interrupted earlier (killed) is finished or rolled back before anything is planned.
  let recovery: RecoveryResult | undefined;
  if (store && (opts.apply || opts.registry)) {
    recovery = await recoverProxyCopy(store, backupDir);
    for (const l of recovery.log) lines.push(`recovery: ${l}\n`);
  }
  const plan = await planProxyCopy(store, { targets, sourceStore: source.store, ...(opts.force ? { force: true } : {}) });
  lines.push(renderProxyCopyPlan(plan));
  const files: string[] = [];
  if (opts.out) {
    await mkdir(opts.out, { recursive: true });
    const regFile = path.join(opts.out, 'proxy-copy.reg');
    const ps1File = path.join(opts.out, 'proxy-copy.ps1');
    await writeFile(regFile, renderProxyCopyReg(plan));
    // UTF-8 with BOM: Windows PowerShell 5.1 reads BOM-less scripts as ANSI
    await writeFile(ps1File, `\uFEFF${renderProxyCopyPs1(plan, opts.now ? { generatedAt: opts.now } : {})}`, 'utf8');
    files.push(regFile, ps1File);
    lines.push(`wrote ${regFile}\nwrote ${ps1File}\n`);
  }
  let result: ProxyCopyResult | undefined;
  let exitCode: 0 | 1 = 0;
  let stderr = '';
  if (opts.apply) {
    result = await applyProxyCopy(store!, plan, { backupDir, ...(opts.now ? { now: opts.now } : {}) });
    lines.push(result.log.map((l) => `${l}\n`).join(''));
    if (result.status === 'rolled-back') {
      exitCode = 1;
      stderr = result.nothingChanged
        ? `atp-netlab: proxy-copy failed before changing anything: ${result.error}; the registry is as it was\n`
        : result.rollbackError
          ? `atp-netlab: proxy-copy FAILED (${result.error}) and the rollback failed too: ${result.rollbackError}\n`
          : `atp-netlab: proxy-copy failed (${result.error}); the registry was restored from the backups, byte for byte\n`;
    } else {
      lines.push(result.status === 'no-op' ? 'proxy-copy: nothing to do (no-op)\n' : 'proxy-copy: applied and verified\n');
    }
  } else if (!opts.out) {
    lines.push('dry run: nothing changed (use --out DIR for .reg/.ps1, --apply to apply)\n');
  }
  return { exitCode, stdout: lines.join(''), stderr, warnings: source.warnings, plan, ...(result ? { result } : {}), ...(recovery ? { recovery } : {}), files };
}

/** `--recover`: finish or roll back an interrupted apply; says which. */
async function recoverCommand(opts: ProxyCopyCommandOptions, platform: NodeJS.Platform): Promise<ProxyCopyCommandOutput> {
  let store: RegistryStore;
  if (opts.registry) store = new FileRegistryStore(opts.registry);
  else if (opts.liveStore) store = opts.liveStore();
  else if (platform === 'win32') store = new WindowsRegistryStore();
  else throw usage('--recover needs --registry DIR (a lab registry), or Windows for the live registry', 'registry');
  const recovery = await recoverProxyCopy(store, opts.backupDir ?? defaultBackupDir(opts));
  const what =
    recovery.outcome === 'finished' ? 'proxy-copy --recover: the interrupted apply had completed; finished'
    : recovery.outcome === 'rolled-back' ? 'proxy-copy --recover: the interrupted apply was rolled back; the registry is as before it'
    : 'proxy-copy --recover: no interrupted apply to recover';
  const stdout = [...recovery.log, what].map((l) => `${l}\n`).join('');
  return { exitCode: 0, stdout, stderr: '', warnings: [], recovery, files: [] };
}

export const registerProxyCopy: RegisterCommand = (program, setExit) => {
  program
    .command('proxy-copy')
    .description("copy the administrator's WinINET proxy settings (HKCU export) to LocalService/LocalSystem: plan, .reg/.ps1, or apply with backup and rollback")
    .option('--reg <file>', 'export of HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections (required unless --recover)')
    .option('--targets <list>', 'comma-separated target identities', DEFAULT_TARGETS.join(','))
    .option('--out <dir>', 'write proxy-copy.reg and proxy-copy.ps1 there')
    .option('--registry <dir>', 'a lab registry directory (HKCU.reg, HKU-S-1-5-19.reg, ...) to plan against / apply to')
    .option('--apply', 'apply: back up, write, verify, roll back on failure (lab registry, or the live registry on Windows)')
    .option('--backup-dir <dir>', 'where --apply writes its .reg backups (default: --out, else <registry>/proxy-copy-backups, else %ProgramData%\\atp-netlab\\proxy-copy-backups)')
    .option('--recover', 'finish or roll back an apply that was interrupted (killed), remove its temp files, and say which; every --apply does this first')
    .option('--force', 'copy a source value even when it has warnings (odd version, trailer, flags, control characters, huge strings; see decode)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ reg export "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections" hkcu.reg\n' +
        '  $ atp-netlab proxy-copy --reg hkcu.reg --out proxy-copy\n' +
        '  $ atp-netlab proxy-copy --reg hkcu.reg --registry lab/registry --apply\n' +
        '  $ atp-netlab proxy-copy --registry lab/registry --recover\n' +
        '  $ atp-netlab proxy-copy --reg damaged-export.reg --out proxy-copy --force   # copy a value decode warns about\n' +
        'Exit: 0 applied, nothing to do, or recovered; 1 apply failed and was rolled back (or changed nothing); 2 bad input (also a value with warnings, without --force); 4 the machine refused (permissions, disk full).',
    )
    .action(async (opts: Omit<ProxyCopyCommandOptions, 'platform' | 'liveStore' | 'now'>) => {
      const out = await proxyCopyCommand(opts);
      for (const w of out.warnings) process.stderr.write(`atp-netlab: warning: ${w}\n`);
      process.stdout.write(out.stdout);
      process.stderr.write(out.stderr);
      setExit(out.exitCode);
    });
};
