/**
 * The copy as a PowerShell script for the host, doing what applyProxyCopy does, with reg.exe:
 * per target SID, in order: compare (skip when identical, so running it twice is harmless),
 * back up (`reg export`), write (`reg add /t REG_BINARY`), verify (`reg compare /v`, exit
 * code 0 = identical) and on failure roll back (`reg import` of the backup, then delete what
 * did not exist before). It first checks that HKCU still holds the bytes the plan was made
 * from, so `reg compare` against HKCU verifies against exactly those bytes.
 *
 * "What did not exist before" is exact: `reg add` creates every missing key on the way down
 * to `...\Connections`, so before writing the script finds the shallowest missing key
 * (`$createdTop`, e.g. `HKU\S-1-5-19\Software\Microsoft\Windows\CurrentVersion\Internet
 * Settings` on a fresh profile) and the rollback deletes that key: every key beneath it was
 * created by the script, and nothing above it was touched.
 */
import { toHex } from '../wininet/hex.js';
import { parseKeyPath, shortKeyPath } from '../registry/key-path.js';
import {
  regAddArgs,
  regCompareArgs,
  regDeleteKeyArgs,
  regDeleteValueArgs,
  regExportArgs,
  regImportArgs,
  regQueryArgs,
} from '../registry/reg-exe-args.js';
import { SAVED_LEGACY_REASON, type ProxyCopyPlan } from './plan.js';

/** A PowerShell single-quoted literal: nothing inside is expanded. */
export function psQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Stands for the script's `$backup` variable in argv built by reg-exe-args. */
const BACKUP_VAR = '\u0000$backup';

/** One PowerShell argument: bare when it cannot be misread, else a single-quoted literal. */
function psArg(a: string): string {
  if (a === BACKUP_VAR) return '$backup';
  return /^[A-Za-z0-9_/.:-]+$/.test(a) ? a : psQuote(a);
}

/**
 * The keys `reg add` may create for `key`, shallowest first: every ancestor below the hive's
 * root (`HKU\<sid>` is a loaded hive and never created by reg add) and the key itself.
 */
export function creatableKeys(key: string): string[] {
  const parts = parseKeyPath(key).full.split('\\');
  const rootDepth = parts[0]!.toUpperCase() === 'HKEY_USERS' ? 2 : 1;
  const out: string[] = [];
  for (let depth = rootDepth + 1; depth <= parts.length; depth++) out.push(parts.slice(0, depth).join('\\'));
  return out;
}

/** A reg.exe call built from the same argv functions the Windows store runs. */
export function psRegCommand(args: string[]): string {
  return ['reg.exe', ...args.map(psArg)].join(' ');
}

export interface Ps1Options {
  /** Shown in the header; tests pin it. */
  generatedAt?: Date;
}

export function renderProxyCopyPs1(plan: ProxyCopyPlan, opts: Ps1Options = {}): string {
  const src = shortKeyPath(plan.source.key);
  const srcPs = `Registry::${parseKeyPath(plan.source.key).full}`;
  const names = plan.source.values.map((v) => v.name);
  const L: string[] = [];
  const targets = plan.targets.map((t) => `${t.identity} (${t.sid})`).join(', ');
  L.push(
    '#Requires -RunAsAdministrator',
    `# atp-netlab proxy-copy: ${plan.source.identity}'s WinINET proxy settings -> ${targets}`,
    `# Generated ${(opts.generatedAt ?? new Date()).toISOString()}. Run elevated, as the user whose settings were exported.`,
    '# Per target: 1) back up (reg export)  2) write (reg add)  3) verify (reg compare)  4) on failure roll back (reg import).',
  );
  if (names.includes('SavedLegacySettings')) L.push(`# ${SAVED_LEGACY_REASON}`);
  L.push(
    '',
    "$ErrorActionPreference = 'Continue'",
    "$backupDir = Join-Path -Path $PSScriptRoot -ChildPath ('proxy-copy-backup-' + (Get-Date -Format 'yyyyMMddTHHmmss'))",
    'New-Item -ItemType Directory -Force -Path $backupDir | Out-Null',
    '$failed = @()',
    "function ConvertTo-Hex([byte[]]$Bytes) { ($Bytes | ForEach-Object { $_.ToString('x2') }) -join '' }",
    '',
    `# 0. the source still holds the values this script was made from`,
  );
  for (const v of plan.source.values) {
    L.push(
      `$actual = (Get-ItemProperty -LiteralPath ${psQuote(srcPs)} -Name ${psQuote(v.name)} -ErrorAction SilentlyContinue).${psQuote(v.name)}`,
      `if ($null -eq $actual -or (ConvertTo-Hex $actual) -ne ${psQuote(toHex(v.bytes))}) {`,
      `  Write-Error ${psQuote(`${src} ${v.name} is not what this script was generated from; export it again and re-run atp-netlab proxy-copy. Nothing changed.`)}`,
      '  exit 2',
      '}',
    );
  }
  for (const t of plan.targets) {
    const label = `${t.identity} (${t.sid})`;
    L.push('', `# ===== ${label} =====`, `$backup = Join-Path -Path $backupDir -ChildPath ${psQuote(`${t.sid}.reg`)}`, '$same = $true');
    for (const n of names) {
      L.push(`${psRegCommand(regCompareArgs(plan.source.key, t.key, n))} 2>&1 | Out-Null`, 'if ($LASTEXITCODE -ne 0) { $same = $false }');
    }
    L.push(`if ($same) {`, `  Write-Host ${psQuote(`${label}: already identical, nothing to do`)}`, '} else {');
    L.push(
      '  # 1. back up; when the key is new, remember the shallowest key reg add will create',
      `  ${psRegCommand(regQueryArgs(t.key))} 2>&1 | Out-Null`,
      '  $hadKey = ($LASTEXITCODE -eq 0)',
      '  $createdTop = $null',
      '  if (-not $hadKey) {',
      ...creatableKeys(t.key).map(
        (k) => `    if ($null -eq $createdTop) { ${psRegCommand(regQueryArgs(k))} 2>&1 | Out-Null; if ($LASTEXITCODE -ne 0) { $createdTop = ${psQuote(shortKeyPath(k))} } }`,
      ),
      '  }',
    );
    for (const n of names) L.push(`  ${psRegCommand(regQueryArgs(t.key, n))} 2>&1 | Out-Null`, `  $had${n} = ($LASTEXITCODE -eq 0)`);
    L.push(
      '  if ($hadKey) {',
      `    ${psRegCommand(regExportArgs(t.key, BACKUP_VAR))} 2>&1 | Out-Null`,
      `    if ($LASTEXITCODE -ne 0) { Write-Error ${psQuote(`${label}: backup failed; nothing changed`)}; exit 1 }`,
      '  }',
      '  $ok = $true',
      '  # 2. write',
    );
    for (const v of plan.source.values) {
      L.push(`  ${psRegCommand(regAddArgs(t.key, v.name, { type: 'REG_BINARY', data: v.bytes }))} 2>&1 | Out-Null`, '  if ($LASTEXITCODE -ne 0) { $ok = $false }');
    }
    L.push('  # 3. verify');
    for (const n of names) {
      L.push(
        '  if ($ok) {',
        `    $out = ${psRegCommand(regCompareArgs(plan.source.key, t.key, n))} 2>&1`,
        `    if ($LASTEXITCODE -ne 0) { $ok = $false; Write-Warning (${psQuote(`${label}: ${n} differs after the write: `)} + ($out -join ' ')) }`,
        '  }',
      );
    }
    L.push('  # 4. roll back on failure', '  if (-not $ok) {', '    if ($hadKey) {', `      ${psRegCommand(regImportArgs(BACKUP_VAR))}`);
    for (const n of names) L.push(`      if (-not $had${n}) { ${psRegCommand(regDeleteValueArgs(t.key, n))} }`);
    L.push(
      '    } else {',
      ...creatableKeys(t.key).map((k) => `      if ($createdTop -eq ${psQuote(shortKeyPath(k))}) { ${psRegCommand(regDeleteKeyArgs(k))} }`),
      '    }',
      `    $failed += ${psQuote(t.identity)}`,
      `    Write-Warning ${psQuote(`${label}: rolled back from the backup`)}`,
      '  } else {',
      `    Write-Host ${psQuote(`${label}: copied and verified`)}`,
      '  }',
      '}',
    );
  }
  L.push(
    '',
    "if ($failed.Count -gt 0) { Write-Error ('proxy-copy failed and was rolled back for: ' + ($failed -join ', ')); exit 1 }",
    "Write-Host 'proxy-copy: done'",
    'exit 0',
  );
  return L.join('\r\n') + '\r\n';
}
