/**
 * Typed registry values. Strings are kept decoded; anything a .reg file spells as `hex(n):`
 * that does not decode cleanly into its nominal type stays raw (REG_UNKNOWN with the type
 * number), so reading and writing a file never loses bytes.
 */
export const REG_TYPE_NUMBERS = {
  REG_NONE: 0,
  REG_SZ: 1,
  REG_EXPAND_SZ: 2,
  REG_BINARY: 3,
  REG_DWORD: 4,
  REG_MULTI_SZ: 7,
  REG_QWORD: 11,
} as const;

export type RegValue =
  | { type: 'REG_SZ'; data: string }
  | { type: 'REG_EXPAND_SZ'; data: string }
  | { type: 'REG_MULTI_SZ'; data: string[] }
  | { type: 'REG_DWORD'; data: number }
  | { type: 'REG_QWORD'; data: bigint }
  | { type: 'REG_BINARY'; data: Uint8Array }
  | { type: 'REG_NONE'; data: Uint8Array }
  /** Any `hex(n):` the model does not interpret (e.g. REG_DWORD_BIG_ENDIAN, resource lists). */
  | { type: 'REG_UNKNOWN'; typeNumber: number; data: Uint8Array };

export type RegValueType = RegValue['type'];

export interface RegNamedValue {
  /** '' is the key's default value (`@` in .reg files). */
  name: string;
  value: RegValue;
}

export function regBinary(data: Uint8Array): RegValue {
  return { type: 'REG_BINARY', data };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function regValueEquals(a: RegValue, b: RegValue): boolean {
  switch (a.type) {
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
    case 'REG_DWORD':
    case 'REG_QWORD':
      return a.type === b.type && a.data === b.data;
    case 'REG_MULTI_SZ':
      return b.type === 'REG_MULTI_SZ' && a.data.length === b.data.length && a.data.every((s, i) => s === b.data[i]);
    case 'REG_BINARY':
    case 'REG_NONE':
      return a.type === b.type && bytesEqual(a.data, b.data);
    case 'REG_UNKNOWN':
      return b.type === 'REG_UNKNOWN' && a.typeNumber === b.typeNumber && bytesEqual(a.data, b.data);
  }
}

/** Bytes of a binary-ish value; undefined for typed strings and numbers. */
export function regValueBytes(v: RegValue): Uint8Array | undefined {
  return v.type === 'REG_BINARY' || v.type === 'REG_NONE' || v.type === 'REG_UNKNOWN' ? v.data : undefined;
}
