/**
 * Shared by decode and proxy-copy: read a .reg file and find its connection-settings values,
 * failing with a message that points at near misses (the 2018 misspellings) when none is found.
 */
import { AtpNetlabError } from '../../errors.js';
import { readInputFile as readBoundedInput } from '../../input/read-input.js';
import { findConnectionValues, type ConnectionValueHint, type ConnectionValueScan } from '../../registry/connection-values.js';
import { readRegFileBytes } from '../../registry/reg-file-reader.js';

/** A .reg input named on the command line: a regular file of at most 4 MiB (INPUT_CAPS.reg). */
export function readInputFile(file: string): Promise<Buffer> {
  return readBoundedInput(file, 'reg');
}

export function formatHint(h: ConnectionValueHint): string {
  return `${h.line !== undefined ? `line ${h.line}: ` : ''}${h.message}`;
}

/** Scans a .reg file; throws when it holds no connection-settings value at all. */
export async function scanRegFile(file: string): Promise<ConnectionValueScan> {
  return scanRegBytes(await readInputFile(file), file === '-' ? '(stdin)' : file);
}

/** The same for bytes already read (stdin). */
export function scanRegBytes(bytes: Buffer, file: string): ConnectionValueScan {
  const scan = findConnectionValues(readRegFileBytes(bytes, { file }));
  if (scan.values.length === 0) {
    const near = scan.hints.length
      ? ` Near misses: ${scan.hints.map(formatHint).join('; ')}.`
      : ' Export the key with: reg export "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections" file.reg';
    throw new AtpNetlabError(
      'ATPNL_REG_NOT_FOUND',
      `no DefaultConnectionSettings, SavedLegacySettings or WinHttpSettings value under a "...\\Internet Settings\\Connections" key.${near}`,
      { file, ...(scan.hints[0]?.line !== undefined ? { line: scan.hints[0].line } : {}) },
    );
  }
  return scan;
}
