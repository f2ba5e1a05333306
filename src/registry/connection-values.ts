/**
 * Finds the connection-settings values in a .reg file, and the near misses that made the
 * 2018 procedure fail silently: the French/English text of that year spelt the key
 * `InternetSetting` and the value `DefaultConnectionSetting`. Windows ignores values at those
 * names, so a copy that follows the text "works" and changes nothing. We never use the
 * misspelt names; we point at them.
 */
import { parseKeyPath } from './key-path.js';
import type { RegFile } from './reg-file.js';
import type { RegValue } from './value.js';

export const CONNECTION_VALUE_NAMES = ['DefaultConnectionSettings', 'SavedLegacySettings', 'WinHttpSettings'] as const;
export type ConnectionValueName = (typeof CONNECTION_VALUE_NAMES)[number];

/** Misspellings seen in the field, with the correct spelling. */
export const MISSPELT_VALUE_NAMES: Record<string, ConnectionValueName> = {
  defaultconnectionsetting: 'DefaultConnectionSettings',
  savedlegacysetting: 'SavedLegacySettings',
  winhttpsetting: 'WinHttpSettings',
};

export interface ConnectionValue {
  /** Long-form key path as in the file. */
  key: string;
  /** Canonical spelling of the value name. */
  name: ConnectionValueName;
  bytes: Uint8Array;
  line?: number;
}

export interface ConnectionValueHint {
  key: string;
  name?: string;
  line?: number;
  message: string;
}

export interface ConnectionValueScan {
  values: ConnectionValue[];
  hints: ConnectionValueHint[];
}

/** True for `...\Internet Settings\Connections` in any hive, case-insensitively. */
export function isConnectionsKey(key: string): boolean {
  return /\\internet settings\\connections$/i.test(parseKeyPath(key).full);
}

function connectionName(name: string): ConnectionValueName | undefined {
  return CONNECTION_VALUE_NAMES.find((n) => n.toLowerCase() === name.toLowerCase());
}

function misspeltPathHint(key: string): string | undefined {
  if (/\\internetsettings?\\connections$/i.test(key) || /\\internet setting\\connections$/i.test(key)) {
    return `key path is misspelt (the 2018 procedure's "InternetSetting"): WinINET reads "...\\Internet Settings\\Connections"`;
  }
  if (/\\internet settings\\connection$/i.test(key)) {
    return `key path is misspelt: WinINET reads "...\\Internet Settings\\Connections" (plural)`;
  }
  return undefined;
}

function isBinaryLike(v: RegValue): v is Extract<RegValue, { data: Uint8Array }> {
  return v.type === 'REG_BINARY' || v.type === 'REG_NONE' || v.type === 'REG_UNKNOWN';
}

/** Scans every key of the file, keeping the last write of each (key, value) as reg import would. */
export function findConnectionValues(doc: RegFile): ConnectionValueScan {
  const found = new Map<string, ConnectionValue>();
  const hints: ConnectionValueHint[] = [];
  for (const entry of doc.entries) {
    if (entry.kind === 'deleteKey') {
      for (const k of [...found.keys()]) {
        if (k === entry.path.toLowerCase() || k.startsWith(entry.path.toLowerCase() + '\\')) found.delete(k);
      }
      continue;
    }
    const inConnections = isConnectionsKey(entry.path);
    const pathHint = inConnections ? undefined : misspeltPathHint(entry.path);
    for (const op of entry.values) {
      const canonical = connectionName(op.name);
      const id = `${entry.path.toLowerCase()}\\${op.name.toLowerCase()}`;
      const misspelt = MISSPELT_VALUE_NAMES[op.name.toLowerCase()];
      if (misspelt) {
        hints.push({
          key: entry.path,
          name: op.name,
          line: op.line,
          message:
            `value "${op.name}" is misspelt (the 2018 procedure's spelling): Windows reads "${misspelt}"` +
            (pathHint ? `; also, the ${pathHint}` : ''),
        });
        continue;
      }
      if (!canonical) continue;
      if (!inConnections) {
        hints.push({
          key: entry.path,
          name: op.name,
          line: op.line,
          message: pathHint ?? `"${op.name}" is only read under "...\\Internet Settings\\Connections", not under this key`,
        });
        continue;
      }
      if (op.value === null) {
        found.delete(id);
        continue;
      }
      if (!isBinaryLike(op.value)) {
        hints.push({
          key: entry.path,
          name: op.name,
          line: op.line,
          message: `"${op.name}" is ${op.value.type}; Windows only reads it as REG_BINARY (reg add needs /t REG_BINARY)`,
        });
        continue;
      }
      found.set(id, { key: entry.path, name: canonical, bytes: op.value.data, ...(op.line !== undefined ? { line: op.line } : {}) });
    }
  }
  return { values: [...found.values()], hints };
}
