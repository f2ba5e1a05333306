/**
 * Hex text ⇄ bytes for connection-settings values. Users paste values from `reg query`
 * (`460000000A000000...`), from `.reg` files (`46,00,00,00,...`) or from hex dumps
 * (`46 00 00 00`), so every separator people use is tolerated.
 */
import { AtpNetlabError } from '../errors.js';

/** Parses hex with optional spaces, commas, line breaks, `\` continuations and a `hex:` / `0x` prefix. */
export function parseHex(text: string): Uint8Array {
  let s = text.trim();
  s = s.replace(/^hex(\([0-9a-f]+\))?:/i, '').replace(/^0x/i, '');
  const digits = s.replace(/[\s,\\]+/g, '');
  const bad = /[^0-9a-fA-F]/.exec(digits);
  if (bad) {
    throw new AtpNetlabError('ATPNL_BLOB_INPUT', `not a hex digit: ${JSON.stringify(bad[0])}`, { offset: bad.index >> 1 });
  }
  if (digits.length % 2 !== 0) {
    throw new AtpNetlabError('ATPNL_BLOB_INPUT', `odd number of hex digits (${digits.length})`);
  }
  return Uint8Array.from(Buffer.from(digits, 'hex'));
}

/** Lower-case hex without separators (the form `reg add /t REG_BINARY /d` takes). */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** `46 00 00 00` style, for tables. */
export function toSpacedHex(bytes: Uint8Array): string {
  return toHex(bytes).replace(/(..)(?!$)/g, '$1 ');
}
