import { describe, expect, it } from 'vitest';
import { AtpNetlabError } from '../../src/errors.js';
import { parseHex, toHex } from '../../src/wininet/hex.js';

function err(text: string): AtpNetlabError {
  try {
    parseHex(text);
  } catch (e) {
    if (e instanceof AtpNetlabError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('parseHex', () => {
  it.each([
    ['reg query style', '460000000A000000'],
    ['.reg style', 'hex:46,00,00,00,0a,00,00,00'],
    ['hex dump style', '46 00 00 00 0a 00 00 00'],
    ['continuations', '46,00,00,00,\\\n  0a,00,00,00'],
    ['0x prefix', '0x460000000a000000'],
  ])('reads %s', (_what, text) => {
    expect(toHex(parseHex(text))).toBe('460000000a000000');
  });

  it('rejects a one-digit byte token with its byte index instead of shifting the rest', () => {
    const e = err('46,00,9,00');
    expect(e.code).toBe('ATPNL_BLOB_INPUT');
    expect(e.location.offset).toBe(2);
    expect(e.message).toMatch(/odd number of hex digits/);
  });

  it('rejects a non-hex character with its byte index', () => {
    const e = err('46 00 0g 00');
    expect(e.location.offset).toBe(2);
    expect(e.message).toContain('"g"');
  });

  it('rejects a cut-off value', () => {
    expect(err('4600000').message).toMatch(/cut off/);
  });
});
