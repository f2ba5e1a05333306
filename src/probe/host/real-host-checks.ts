/**
 * The host prerequisites on the host the probe runs on (`atp-netlab probe`), read-only:
 *
 *   updater-port   ─ a real dial of 127.0.0.1:444 (never a byte sent)
 *   dotnet-tls     ─ the .NET values, through the registry store (reg.exe on Windows)
 *   required-roots ─ the LocalMachine root stores' Blobs, through the same store
 *   clock-skew     ─ judged per check by the verdict from the cloud's Date (summarised here)
 *
 * On by default where there is a registry to read (Windows, or a store the caller gives);
 * elsewhere every check is `not-run` with the reason, never a pass. The same pure checks and
 * the same per-identity rule (hostCheckApplies) as the lab's simulated host.
 */
import type { Cloud } from '../../catalog/endpoints.js';
import type { SourceKey } from '../../catalog/sources.js';
import { isAtpNetlabError } from '../../errors.js';
import type { Identity } from '../../identity.js';
import type { RegistryStore } from '../../registry/registry-store.js';
import { WindowsRegistryStore } from '../../registry/windows-registry-store.js';
import type { ProbeOutcome } from '../outcome.js';
import { checkDotNetTlsValues, DOTNET_TLS_KEYS } from './dotnet-tls.js';
import { HOST_CHECKS, HOST_PREREQUISITE_CODES, hostCheckApplies, type HostCheckName, type HostCheckResult } from './host-prerequisite-codes.js';
import { checkMachineRoots } from './machine-root-store.js';
import { checkUpdaterPort, dialUpdaterPort, UPDATER_PORT } from './updater-port.js';

/**
 * `auto`: on Windows every check; elsewhere only the registry checks, and only over a given
 * registry (an export); `on`: also the updater port and the clock on this machine; `off`: none.
 */
export type HostChecksMode = 'auto' | 'on' | 'off';

export interface RealHostCheckOptions {
  mode: HostChecksMode;
  platform: NodeJS.Platform;
  identity: Identity;
  cloud: Cloud;
  /** Default: the live registry (reg.exe) on Windows, none elsewhere. */
  registryStore?: RegistryStore;
  /** How the report names registryStore, e.g. `reg export hklm.reg`. */
  registryName?: string;
  /**
   * registryStore is a .reg export, not a whole registry: a key it does not hold says nothing
   * about the host (the check is not run for it), where on a live registry it is missing.
   */
  registryIsExport?: boolean;
  /** Default 444; another port only for rehearsals and tests. */
  updaterPort?: number;
  timeoutMs: number;
  nowMs?: number;
}

/** One line of the report: the check's result, plus the remediation and its source when it failed. */
export type HostCheckEntry = HostCheckResult & { remediation?: string; source?: SourceKey; section?: string };

/** The `host` member of the real-mode JSON (optional: absent in reports from older versions). */
export interface HostChecksReport {
  mode: HostChecksMode;
  /** Where the registry checks read from: `live registry`, `given registry store`, or null. */
  registry: string | null;
  /** Whether any check ran; when not, why. */
  ran: boolean;
  reason?: string;
  checks: HostCheckEntry[];
}

const SENSOR_ONLY: Record<HostCheckName, string> = {
  'updater-port': 'applies to the sensor service (LocalService), which talks to the updater',
  'dotnet-tls': 'applies to the sensor (LocalService) and the updater (LocalSystem), which are .NET',
  'clock-skew': 'applies to the sensor (LocalService) and the updater (LocalSystem)',
  'required-roots': '',
};

/** The clock line until the checks' outcomes fill it in (summariseClock). */
const CLOCK_PENDING = "judged from the cloud's Date header once a check gets the cloud's answer";

const notRun = (check: HostCheckName, detail: string): HostCheckEntry => ({ check, status: 'not-run', detail });

export function withRemediation(r: HostCheckResult): HostCheckEntry {
  if (r.status !== 'failed' || !r.code) return r;
  const p = HOST_PREREQUISITE_CODES[r.code];
  return { ...r, remediation: p.remediation, source: p.source, section: p.section };
}

async function existingKeys(store: RegistryStore, keys: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const k of keys) if (await store.keyExists(k)) out.push(k);
  return out;
}

/** A registry read that fails (reg.exe missing, access denied) is `indeterminate`, never a crash nor a pass. */
async function guarded(check: HostCheckName, run: () => Promise<HostCheckResult>): Promise<HostCheckResult> {
  try {
    return await run();
  } catch (e) {
    const why = isAtpNetlabError(e) ? e.describe() : e instanceof Error ? e.message : String(e);
    return { check, status: 'indeterminate', detail: `could not read the registry: ${why}` };
  }
}

export async function runRealHostChecks(o: RealHostCheckOptions): Promise<HostChecksReport> {
  if (o.mode === 'off') return { mode: o.mode, registry: null, ran: false, reason: 'turned off (--no-host-checks)', checks: HOST_CHECKS.map((c) => notRun(c, 'host checks turned off (--no-host-checks)')) };
  const windows = o.platform === 'win32';
  // The updater dial and the clock judge the machine the probe runs on: the sensor's host on
  // Windows, or wherever --host-checks says so; a registry export read elsewhere is not that host.
  const local = windows || o.mode === 'on';
  const registry = o.registryStore ?? (windows ? new WindowsRegistryStore() : undefined);
  if (!local && !registry) {
    const reason = `not a Windows host (${o.platform}) and no registry given: host prerequisites are checked on the sensor's own host (--host-checks runs the updater port and the clock here, --host-reg reads a registry export)`;
    return { mode: o.mode, registry: null, ran: false, reason, checks: HOST_CHECKS.map((c) => notRun(c, reason)) };
  }
  const registryName = o.registryStore ? (o.registryName ?? 'given registry store') : registry ? 'live registry' : null;
  const noRegistry = `no registry to read (not Windows: ${o.platform}; --host-reg reads an export)`;
  const notHere = `checks the machine the probe runs on, which is not the sensor's host (${o.platform}): --host-checks runs it here`;
  const applies = (c: HostCheckName) => hostCheckApplies(c, o.identity);
  const checks: HostCheckEntry[] = [];

  if (!applies('updater-port')) checks.push(notRun('updater-port', `${SENSOR_ONLY['updater-port']}; probing as ${o.identity}`));
  else if (!local) checks.push(notRun('updater-port', notHere));
  else checks.push(withRemediation(checkUpdaterPort(await dialUpdaterPort(o.updaterPort ?? UPDATER_PORT, o.timeoutMs))));

  if (!applies('dotnet-tls')) checks.push(notRun('dotnet-tls', `${SENSOR_ONLY['dotnet-tls']}; probing as ${o.identity}`));
  else if (!registry) checks.push(notRun('dotnet-tls', noRegistry));
  else {
    const keys = o.registryIsExport ? await existingKeys(registry, DOTNET_TLS_KEYS) : DOTNET_TLS_KEYS;
    if (keys.length === 0) checks.push(notRun('dotnet-tls', `the registry export holds neither ${DOTNET_TLS_KEYS.join(' nor ')}`));
    else {
      const r = await guarded('dotnet-tls', () => checkDotNetTlsValues(registry, keys));
      const skipped = DOTNET_TLS_KEYS.filter((k) => !keys.includes(k));
      const detail = `${r.detail}${skipped.length ? ` (${skipped.join(', ')}: not in the export, not judged)` : ''}`;
      checks.push(withRemediation({ check: r.check, status: r.status, ...(r.code ? { code: r.code } : {}), detail }));
    }
  }

  if (!registry) checks.push(notRun('required-roots', noRegistry));
  else {
    const r = await guarded('required-roots', () => checkMachineRoots(registry, o.cloud, o.nowMs ?? Date.now(), { export: o.registryIsExport ?? false }));
    checks.push(withRemediation({ check: r.check, status: r.status, ...(r.code ? { code: r.code } : {}), detail: r.detail }));
  }

  if (!applies('clock-skew')) checks.push(notRun('clock-skew', `${SENSOR_ONLY['clock-skew']}; probing as ${o.identity}`));
  else if (!local) checks.push(notRun('clock-skew', notHere));
  else checks.push(notRun('clock-skew', CLOCK_PENDING));
  return { mode: o.mode, registry: registryName, ran: true, checks };
}

/** Whether the verdict should judge the clock (it applies to the identity and this is the sensor's host). */
export function clockSkewOn(r: HostChecksReport): boolean {
  return r.checks.some((c) => c.check === 'clock-skew' && c.status === 'not-run' && c.detail === CLOCK_PENDING);
}

/** The clock-skew line from the checks' outcomes: the first failure, else the first judgement. */
export function summariseClock(r: HostChecksReport, outcomes: readonly ProbeOutcome[]): void {
  const i = r.checks.findIndex((c) => c.check === 'clock-skew' && c.detail === CLOCK_PENDING);
  if (i === -1) return;
  const judged = outcomes.map((o) => o.hostClock).filter((c) => c !== undefined);
  const pick = judged.find((c) => c.status === 'failed') ?? judged.find((c) => c.status === 'ok') ?? judged[0];
  if (!pick) {
    r.checks[i] = notRun('clock-skew', 'no check got an answer from the cloud, so its Date header could not be compared');
    return;
  }
  r.checks[i] = withRemediation({ check: 'clock-skew', status: pick.status, ...(pick.status === 'failed' ? { code: 'HOST_CLOCK_SKEW' as const } : {}), detail: pick.detail });
}
