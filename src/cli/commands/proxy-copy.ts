/**
 * `atp-netlab proxy-copy`: the seed's static-proxy procedure from an HKCU export. Dry-run by
 * default (prints the plan); `--out` writes an importable .reg and a PowerShell script that
 * does backup -> write -> verify -> rollback on the host; `--apply` does it here, on a lab
 * registry directory (`--registry`) or, on Windows, on the live registry.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AtpNetlabError } from '../../errors.js';
import { IDENTITIES, parseIdentity, type Identity } from '../../identity.js';
import { applyProxyCopy, type ProxyCopyResult } from '../../proxy-copy/apply.js';
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
  reg: string;
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
  warnings: string[];
  plan: ProxyCopyPlan;
  result?: ProxyCopyResult;
  files: string[];
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
  if (!opts.reg) throw usage('--reg <hkcu-export.reg> is required', 'reg');
  const targets = parseTargets(opts.targets);
  const platform = opts.platform ?? process.platform;
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

  const plan = await planProxyCopy(store, { targets, sourceStore: source.store, ...(opts.force ? { force: true } : {}) });
  const lines: string[] = [renderProxyCopyPlan(plan)];
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
  if (opts.apply) {
    const backupDir = opts.backupDir ?? opts.out ?? path.resolve('proxy-copy-backups');
    result = await applyProxyCopy(store!, plan, { backupDir, ...(opts.now ? { now: opts.now } : {}) });
    lines.push(result.log.map((l) => `${l}\n`).join(''));
    if (result.status === 'rolled-back') {
      exitCode = 1;
      lines.push(result.rollbackError ? 'proxy-copy FAILED and the rollback failed too: restore from the backups listed above\n' : 'proxy-copy failed; the registry was restored from the backups\n');
    } else {
      lines.push(result.status === 'no-op' ? 'proxy-copy: nothing to do (no-op)\n' : 'proxy-copy: applied and verified\n');
    }
  } else if (!opts.out) {
    lines.push('dry run: nothing changed (use --out DIR for .reg/.ps1, --apply to apply)\n');
  }
  return { exitCode, stdout: lines.join(''), warnings: source.warnings, plan, ...(result ? { result } : {}), files };
}

export const registerProxyCopy: RegisterCommand = (program, setExit) => {
  program
    .command('proxy-copy')
    .description("copy the administrator's WinINET proxy settings (HKCU export) to LocalService/LocalSystem: plan, .reg/.ps1, or apply with backup and rollback")
    .requiredOption('--reg <file>', 'export of HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections')
    .option('--targets <list>', 'comma-separated target identities', DEFAULT_TARGETS.join(','))
    .option('--out <dir>', 'write proxy-copy.reg and proxy-copy.ps1 there')
    .option('--registry <dir>', 'a lab registry directory (HKCU.reg, HKU-S-1-5-19.reg, ...) to plan against / apply to')
    .option('--apply', 'apply: back up, write, verify, roll back on failure (lab registry, or the live registry on Windows)')
    .option('--backup-dir <dir>', 'where --apply writes its .reg backups (default: --out, else ./proxy-copy-backups)')
    .option('--force', 'copy a source value even when it has warnings (odd version, trailer, flags, control characters, huge strings; see decode)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ reg export "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections" hkcu.reg\n' +
        '  $ atp-netlab proxy-copy --reg hkcu.reg --out proxy-copy\n' +
        '  $ atp-netlab proxy-copy --reg hkcu.reg --registry lab/registry --apply\n' +
        '  $ atp-netlab proxy-copy --reg damaged-export.reg --out proxy-copy --force   # copy a value decode warns about\n' +
        'Exit: 0 applied or nothing to do, 1 apply failed and was rolled back, 2 bad input (a value with warnings, without --force).',
    )
    .action(async (opts: Omit<ProxyCopyCommandOptions, 'platform' | 'liveStore' | 'now'>) => {
      const out = await proxyCopyCommand(opts);
      for (const w of out.warnings) process.stderr.write(`atp-netlab: warning: ${w}\n`);
      process.stdout.write(out.stdout);
      setExit(out.exitCode);
    });
};
