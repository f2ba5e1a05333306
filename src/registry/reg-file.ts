/**
 * The content of a .reg file: an ordered list of operations, as regedit imports them.
 * Comments and blank lines carry no meaning and are not kept.
 */
import type { RegValue } from './value.js';

export type RegFileFormat = 'regedit5' | 'regedit4';

export interface RegValueOp {
  /** '' = default value (`@`). */
  name: string;
  /** null = delete the value (`"name"=-`). */
  value: RegValue | null;
  /** 1-based line in the source file, when read from one. */
  line?: number;
}

export type RegFileEntry =
  | { kind: 'key'; path: string; values: RegValueOp[]; line?: number }
  | { kind: 'deleteKey'; path: string; line?: number };

export interface RegFile {
  format: RegFileFormat;
  entries: RegFileEntry[];
}

export const REGEDIT5_HEADER = 'Windows Registry Editor Version 5.00';
export const REGEDIT4_HEADER = 'REGEDIT4';
