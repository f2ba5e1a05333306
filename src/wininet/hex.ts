/**
 * Hex text ⇄ bytes for connection-settings values. Users paste values from `reg query`
 * (`460000000A000000...`), from `.reg` files (`46,00,00,00,...`) or from hex dumps
 * (`46 00 00 00`), so every separator people use is tolerated.
 */
import { AtpNetlabError } from '../errors.js';

/**
 * Parses hex with optional spaces, commas, line breaks, `\` continuations and a `hex:` / `0x`
 * prefix. Strict: every token between separators must be whole bytes (an even number of hex
 * digits), so `46,0,0` is an error naming byte 1, not the silently shifted `46 00`.
 */
export function parseHex(text: string): Uint8Array {
  const s = text.trim().replace(/^hex(\([0-9a-f]+\))?:/i, '').replace(/^0x/i, '');
  const tokens = s.split(/[\s,\\]+/).filter((t) => t !== '');
  let byteCount = 0;
  for (const token of tokens) {
    const bad = /[^0-9a-fA-F]/.exec(token);
    if (bad) {
      throw new AtpNetlabError('ATPNL_BLOB_INPUT', `not a hex digit: ${JSON.stringify(bad[0])} in ${JSON.stringify(token.slice(0, 16))} at byte ${byteCount + (bad.index >> 1)}`, {
        offset: byteCount + (bad.index >> 1),
      });
    }
    if (token.length % 2 !== 0) {
      throw new AtpNetlabError(
        'ATPNL_BLOB_INPUT',
        tokens.length === 1
          ? `odd number of hex digits (${token.length}): the value is cut off or a digit is missing`
          : `byte token ${JSON.stringify(token.slice(0, 16))} at byte ${byteCount + (token.length >> 1)} has an odd number of hex digits; write every byte as two digits`,
        { offset: byteCount + (token.length >> 1) },
      );
    }
    byteCount += token.length >> 1;
  }
  return Uint8Array.from(Buffer.from(tokens.join(''), 'hex'));
}

/** Lower-case hex without separators (the form `reg add /t REG_BINARY /d` takes). */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** `46 00 00 00` style, for tables. */
export function toSpacedHex(bytes: Uint8Array): string {
  return toHex(bytes).replace(/(..)(?!$)/g, '$1 ');
}
