/**
 * Step 1 of the seed's procedure, "compare": for each target identity, is each value the
 * source has missing, different or the same (what `reg compare` would say)? The plan is data;
 * applying, rendering a .reg and rendering a PowerShell script all work from it.
 */
import { AtpNetlabError } from '../errors.js';
import { CONNECTIONS_SUBKEY, IDENTITY_INFO, type Identity } from '../identity.js';
import { normalizeKeyPath, shortKeyPath } from '../registry/key-path.js';
import type { RegistryStore } from '../registry/registry-store.js';
import type { RegValue } from '../registry/value.js';
import { connectionSettingsWarnings } from '../wininet/blob-warnings.js';
import { decodeWinInetSettings, flagNames, hasFlag, type WinInetSettings } from '../wininet/connection-settings-blob.js';

/** Values proxy-copy copies, in write order. */
export const COPIED_VALUES = ['DefaultConnectionSettings', 'SavedLegacySettings'] as const;
export type CopiedValueName = (typeof COPIED_VALUES)[number];

export const SAVED_LEGACY_REASON =
  'SavedLegacySettings is copied too: Windows regenerates DefaultConnectionSettings from SavedLegacySettings in some cases ' +
  '(e.g. when the connection settings are rewritten after a network or Internet Options change), so leaving a stale one ' +
  'behind can silently revert the copy.';

/** `unknown`: the target could not be read (planning from an export only). */
export type CompareStatus = 'missing' | 'different' | 'same' | 'unknown';

export interface SourceValue {
  name: CopiedValueName;
  bytes: Uint8Array;
  settings: WinInetSettings;
  /** What is odd about the value (blob-warnings.ts); non-empty only with `force`. */
  warnings: string[];
}

export interface ValuePlan {
  name: CopiedValueName;
  status: CompareStatus;
  /** What the target holds now (REG_BINARY bytes); null when missing; undefined when unknown. */
  current?: Uint8Array | null;
  /** True when the target holds the value with a non-binary type (also counts as different). */
  wrongType?: boolean;
}

export interface TargetPlan {
  identity: Identity;
  sid: string;
  /** Long form: `HKEY_USERS\S-1-5-19\...\Connections`. */
  key: string;
  /** Undefined when unknown. */
  keyExists?: boolean;
  values: ValuePlan[];
}

export interface ProxyCopyPlan {
  source: { identity: Identity; key: string; values: SourceValue[] };
  targets: TargetPlan[];
  /** Things the admin must know (misspelt names found, source without proxy, stale values). */
  warnings: string[];
  /** False when targets were not read (plan from an export only). */
  targetsKnown: boolean;
}

export interface PlanRequest {
  source?: Identity;
  targets?: Identity[];
  /** Read the source from here instead of the target store (e.g. an HKCU .reg export). */
  sourceStore?: RegistryStore;
  /**
   * Copy a source value that decodes but has warnings (blob-warnings.ts). Without it the plan
   * fails with ATPNL_BLOB_SUSPICIOUS: a damaged value copied to the service identities would
   * break them where nobody looks, and "applied and verified" would only prove the copy.
   */
  force?: boolean;
}

export const DEFAULT_TARGETS: Identity[] = ['LocalService', 'LocalSystem'];

/** The Connections key of an identity, long form. */
export function connectionsKey(identity: Identity): string {
  return normalizeKeyPath(`${IDENTITY_INFO[identity].hive}\\${CONNECTIONS_SUBKEY}`);
}

/** The 2018 text's misspelt key (`InternetSetting`). */
export function misspeltConnectionsKey(identity: Identity): string {
  return connectionsKey(identity).replace(/\\Internet Settings\\Connections$/, '\\InternetSetting\\Connections');
}

const MISSPELT_VALUE = 'DefaultConnectionSetting';

function binaryBytes(v: RegValue | undefined): Uint8Array | undefined {
  return v && (v.type === 'REG_BINARY' || v.type === 'REG_NONE') ? v.data : undefined;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** What `reg compare` would say about one value. */
export function compareValue(src: SourceValue, cur: RegValue | undefined): ValuePlan {
  const curBytes = binaryBytes(cur);
  if (cur === undefined) return { name: src.name, status: 'missing', current: null };
  if (!curBytes) return { name: src.name, status: 'different', current: null, wrongType: true };
  return { name: src.name, status: bytesEqual(curBytes, src.bytes) ? 'same' : 'different', current: curBytes };
}

/** Warnings about values written under the 2018 misspellings, which Windows ignores. */
async function nearMissWarnings(store: RegistryStore, identity: Identity): Promise<string[]> {
  const out: string[] = [];
  const right = connectionsKey(identity);
  const wrong = misspeltConnectionsKey(identity);
  if (await store.keyExists(wrong)) {
    out.push(
      `${identity}: key ${shortKeyPath(wrong)} exists (the 2018 procedure's misspelling "InternetSetting"); Windows ignores it, ` +
        `the real key is ${shortKeyPath(right)}. proxy-copy never writes there; you may delete it.`,
    );
  }
  for (const key of [right, wrong]) {
    if ((await store.readValue(key, MISSPELT_VALUE)) !== undefined) {
      out.push(
        `${identity}: value "${MISSPELT_VALUE}" under ${shortKeyPath(key)} is the 2018 procedure's misspelling; Windows only reads ` +
          `"DefaultConnectionSettings". proxy-copy never writes the misspelt name; you may delete it.`,
      );
    }
  }
  return out;
}

export async function planProxyCopy(store: RegistryStore | null, req: PlanRequest = {}): Promise<ProxyCopyPlan> {
  const sourceIdentity = req.source ?? 'CurrentUser';
  const targets = req.targets ?? DEFAULT_TARGETS;
  const sourceStore = req.sourceStore ?? store;
  if (!sourceStore) throw new AtpNetlabError('ATPNL_USAGE', 'proxy-copy needs a registry to read the source from');
  for (const t of targets) {
    if (t === sourceIdentity) throw new AtpNetlabError('ATPNL_USAGE', `target ${t} is the source identity`);
    if (IDENTITY_INFO[t].sid === null) throw new AtpNetlabError('ATPNL_USAGE', `target ${t} has no fixed SID; targets are service identities`);
  }
  if (new Set(targets).size !== targets.length) throw new AtpNetlabError('ATPNL_USAGE', 'a target is listed twice');

  const warnings = await nearMissWarnings(sourceStore, sourceIdentity);
  const sourceKey = connectionsKey(sourceIdentity);
  const values: SourceValue[] = [];
  for (const name of COPIED_VALUES) {
    const v = await sourceStore.readValue(sourceKey, name);
    if (v === undefined) continue;
    const bytes = binaryBytes(v);
    if (!bytes) {
      throw new AtpNetlabError('ATPNL_REG_NOT_FOUND', `${sourceIdentity}'s ${name} is ${v.type}, not REG_BINARY: it is not a connection-settings value`, {
        field: name,
      });
    }
    let settings: WinInetSettings;
    try {
      settings = decodeWinInetSettings(bytes);
    } catch (e) {
      if (e instanceof AtpNetlabError) {
        throw new AtpNetlabError(e.code, `${sourceIdentity}'s ${name} is not a valid connection-settings value: ${e.message}`, { ...e.location, field: `${name}.${e.location.field ?? ''}` }, { cause: e });
      }
      throw e;
    }
    values.push({ name, bytes, settings, warnings: connectionSettingsWarnings(settings) });
  }
  const suspicious = values.filter((v) => v.warnings.length > 0);
  if (suspicious.length && !req.force) {
    throw new AtpNetlabError(
      'ATPNL_BLOB_SUSPICIOUS',
      `refusing to copy ${suspicious.map((v) => `${sourceIdentity}'s ${v.name} (${v.warnings.join('; ')})`).join(' and ')}: ` +
        'Windows does not write values like this; check the export, or pass --force to copy it anyway',
      { field: suspicious[0]!.name },
    );
  }
  for (const v of suspicious) warnings.push(`${sourceIdentity}'s ${v.name} copied despite warnings (--force): ${v.warnings.join('; ')}`);
  if (!values.some((v) => v.name === 'DefaultConnectionSettings')) {
    throw new AtpNetlabError(
      'ATPNL_REG_NOT_FOUND',
      `${sourceIdentity} has no DefaultConnectionSettings under ${shortKeyPath(sourceKey)}: configure the proxy for this user first` +
        (warnings.length ? `. Note: ${warnings.join(' ')}` : ''),
      { field: 'DefaultConnectionSettings' },
    );
  }
  const dcs = values[0]!.settings;
  if (!hasFlag(dcs.flags, 'PROXY') && !hasFlag(dcs.flags, 'AUTO_PROXY_URL') && !hasFlag(dcs.flags, 'AUTO_DETECT')) {
    warnings.push(`${sourceIdentity}'s settings use no proxy (flags ${flagNames(dcs.flags).join('|') || 'none'}): copying them makes the targets go direct.`);
  }

  const targetPlans: TargetPlan[] = [];
  for (const identity of targets) {
    const key = connectionsKey(identity);
    const sid = IDENTITY_INFO[identity].sid!;
    if (!store) {
      targetPlans.push({ identity, sid, key, values: values.map((v) => ({ name: v.name, status: 'unknown' as const })) });
      continue;
    }
    warnings.push(...(await nearMissWarnings(store, identity)));
    const keyExists = await store.keyExists(key);
    const planned: ValuePlan[] = [];
    for (const src of values) planned.push(compareValue(src, keyExists ? await store.readValue(key, src.name) : undefined));
    if (!values.some((v) => v.name === 'SavedLegacySettings') && keyExists && (await store.readValue(key, 'SavedLegacySettings')) !== undefined) {
      warnings.push(
        `${identity} has a SavedLegacySettings value but ${sourceIdentity} has none; Windows may regenerate DefaultConnectionSettings from it and revert the copy. proxy-copy leaves it alone.`,
      );
    }
    targetPlans.push({ identity, sid, key, keyExists, values: planned });
  }
  return { source: { identity: sourceIdentity, key: sourceKey, values }, targets: targetPlans, warnings, targetsKnown: store !== null };
}

/** Values that apply would write, per target. */
export function plannedWrites(plan: ProxyCopyPlan): { target: TargetPlan; value: SourceValue }[] {
  const out: { target: TargetPlan; value: SourceValue }[] = [];
  for (const target of plan.targets) {
    for (const vp of target.values) {
      if (vp.status === 'same') continue;
      out.push({ target, value: plan.source.values.find((v) => v.name === vp.name)! });
    }
  }
  return out;
}

export function isNoOp(plan: ProxyCopyPlan): boolean {
  return plan.targetsKnown && plannedWrites(plan).length === 0;
}

function describeSettings(s: WinInetSettings): string {
  const parts = [`flags ${flagNames(s.flags).join('|') || 'none'}`];
  if (s.proxyServer) parts.push(`proxy ${JSON.stringify(s.proxyServer)}`);
  if (s.bypassList) parts.push(`bypass ${JSON.stringify(s.bypassList)}`);
  if (s.autoConfigUrl) parts.push(`PAC ${JSON.stringify(s.autoConfigUrl)}`);
  return parts.join(', ');
}

const STATUS_TEXT: Record<CompareStatus, string> = {
  missing: 'missing   -> write',
  different: 'different -> write',
  same: 'same      -> nothing to do',
  unknown: 'not read  -> compared when the script runs',
};

/** The plan as a person reads it (dry-run output). */
export function renderProxyCopyPlan(plan: ProxyCopyPlan): string {
  const lines: string[] = [];
  lines.push(`proxy-copy plan: ${plan.source.identity} (${shortKeyPath(plan.source.key)}) -> ${plan.targets.map((t) => t.identity).join(', ')}`);
  for (const v of plan.source.values) lines.push(`  source ${v.name}: ${describeSettings(v.settings)} (${v.bytes.length} bytes)`);
  if (plan.source.values.some((v) => v.name === 'SavedLegacySettings')) lines.push(`  ${SAVED_LEGACY_REASON}`);
  for (const t of plan.targets) {
    lines.push(`${t.identity} (${t.sid}) ${shortKeyPath(t.key)}${t.keyExists === false ? ' [key does not exist yet]' : ''}`);
    for (const v of t.values) lines.push(`  ${v.name.padEnd(26)} ${STATUS_TEXT[v.status]}${v.wrongType ? ' (not REG_BINARY now)' : ''}`);
  }
  const writes = plannedWrites(plan).length;
  if (!plan.targetsKnown) lines.push(`Targets were not read: the generated script compares, backs up, writes, verifies and rolls back on the host.`);
  else if (writes === 0) lines.push('Nothing to do: every target already has the source values (no-op).');
  else lines.push(`${writes} value(s) to write; every touched key is backed up to a .reg file first, then written, read back and verified, and restored on failure.`);
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n') + '\n';
}
