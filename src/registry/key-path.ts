/**
 * Registry key paths. reg.exe and regedit accept different spellings of the same hive
 * (`HKCU` vs `HKEY_CURRENT_USER`); everything in this project normalises to the long names
 * that .reg files use, and compares case-insensitively as Windows does.
 */
import { AtpNetlabError } from '../errors.js';

export const HIVES = {
  HKEY_CURRENT_USER: 'HKCU',
  HKEY_USERS: 'HKU',
  HKEY_LOCAL_MACHINE: 'HKLM',
  HKEY_CLASSES_ROOT: 'HKCR',
  HKEY_CURRENT_CONFIG: 'HKCC',
} as const;
export type HiveName = keyof typeof HIVES;

const HIVE_BY_ALIAS = new Map<string, HiveName>();
for (const [long, short] of Object.entries(HIVES) as [HiveName, string][]) {
  HIVE_BY_ALIAS.set(long.toLowerCase(), long);
  HIVE_BY_ALIAS.set(short.toLowerCase(), long);
}

export interface KeyPath {
  hive: HiveName;
  /** Path below the hive, no leading/trailing backslash; '' for the hive root. */
  subkey: string;
  /** `HKEY_USERS\S-1-5-19\Software\...` */
  full: string;
}

/** Parses `HKU\S-1-5-19\...`, `HKEY_USERS\...` etc.; returns undefined for an unknown hive. */
export function tryParseKeyPath(path: string): KeyPath | undefined {
  const cleaned = path.trim().replace(/^\\+/, '').replace(/\\+$/, '');
  const slash = cleaned.indexOf('\\');
  const hiveText = slash === -1 ? cleaned : cleaned.slice(0, slash);
  const hive = HIVE_BY_ALIAS.get(hiveText.toLowerCase());
  if (!hive) return undefined;
  const subkey = slash === -1 ? '' : cleaned.slice(slash + 1).replace(/\\{2,}/g, '\\');
  return { hive, subkey, full: subkey ? `${hive}\\${subkey}` : hive };
}

export function parseKeyPath(path: string): KeyPath {
  const k = tryParseKeyPath(path);
  if (!k) {
    throw new AtpNetlabError(
      'ATPNL_USAGE',
      `unknown registry hive in ${JSON.stringify(path)} (expected HKCU, HKU, HKLM, HKCR, HKCC or their HKEY_ names)`,
    );
  }
  return k;
}

/** Long-name form used by .reg files and as map keys. */
export function normalizeKeyPath(path: string): string {
  return parseKeyPath(path).full;
}

/** Short form reg.exe prints and most admins type: `HKU\S-1-5-19\...`. */
export function shortKeyPath(path: string): string {
  const k = parseKeyPath(path);
  return k.subkey ? `${HIVES[k.hive]}\\${k.subkey}` : HIVES[k.hive];
}

export function keyPathEquals(a: string, b: string): boolean {
  return normalizeKeyPath(a).toLowerCase() === normalizeKeyPath(b).toLowerCase();
}

/** True when `key` is `ancestor` or below it. */
export function isKeyAtOrBelow(key: string, ancestor: string): boolean {
  const k = normalizeKeyPath(key).toLowerCase();
  const a = normalizeKeyPath(ancestor).toLowerCase();
  return k === a || k.startsWith(a + '\\');
}

export function joinKeyPath(...parts: string[]): string {
  return normalizeKeyPath(parts.filter((p) => p !== '').join('\\'));
}
