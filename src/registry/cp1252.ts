/**
 * Windows-1252 ("ANSI" on Western Windows), the encoding of REGEDIT4 files. Node's
 * TextDecoder treats this label as ISO-8859-1 in some builds, so the 0x80-0x9F block is
 * mapped here explicitly; undefined code points map to the same-numbered C1 control, as in
 * the WHATWG encoding standard.
 */
const HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
];

const ENCODE = new Map<number, number>();
for (let b = 0; b < 256; b++) ENCODE.set(b >= 0x80 && b < 0xa0 ? HIGH[b - 0x80]! : b, b);

/** One pass into UTF-16 code units, one string at the end (no per-character concatenation). */
export function decodeCp1252(bytes: Uint8Array): string {
  const units = new Uint16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    units[i] = b >= 0x80 && b < 0xa0 ? HIGH[b - 0x80]! : b;
  }
  return Buffer.from(units.buffer, units.byteOffset, units.byteLength).toString('utf16le');
}

export function canEncodeCp1252(ch: string): boolean {
  return ENCODE.has(ch.charCodeAt(0)) && ch.length === 1;
}

/** Characters outside the code page become '?', which is what Windows' ANSI conversion does. */
export function encodeCp1252(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = ENCODE.get(s.charCodeAt(i)) ?? 0x3f;
  return out;
}
