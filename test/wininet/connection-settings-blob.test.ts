import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_WINHTTP_SETTINGS,
  buildWinHttpSettings,
  decodeConnectionSettings,
  decodeWinHttpSettings,
  decodeWinInetSettings,
  encodeConnectionSettings,
  encodeSettings,
  encodeWinHttpSettings,
  encodeWinInetSettings,
  flagNames,
  type WinInetSettings,
} from '../../src/wininet/connection-settings-blob.js';
import { parseHex, toHex } from '../../src/wininet/hex.js';
import { AtpNetlabError } from '../../src/errors.js';

const ZEROS32 = '00'.repeat(32);
function le(n: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b.toString('hex');
}
function str(s: string): string {
  return le(s.length) + Buffer.from(s, 'latin1').toString('hex');
}

/** Hand-made values in the shapes Windows writes (and a few it writes rarely). */
const CORPUS: Record<string, string> = {
  directOnly: `46000000 02000000 01000000 00000000 00000000 00000000 ${ZEROS32}`,
  staticProxy: `46000000 1d000000 03000000 ${str('proxy.contoso.com:8080')} ${str('<local>')} ${le(0)} ${ZEROS32}`,
  proxyDisabledButKept: `46000000 1e000000 01000000 ${str('proxy.contoso.com:8080')} ${str('*.contoso.com;<local>')} ${le(0)} ${ZEROS32}`,
  pacAndWpad: `46000000 07000000 0d000000 ${le(0)} ${le(0)} ${str('http://wpad.contoso.com/proxy.pac')} 01000000${'00'.repeat(28)}`,
  allThree: `46000000 ffffffff 0f000000 ${str('http=p1:80;https=p2:443')} ${str('10.*;<-loopback>')} ${str('http://pac/x.pac')} ${ZEROS32}`,
  oldIe5NoTrailer: `3c000000 03000000 03000000 ${str('p:3128')} ${le(0)} ${le(0)}`,
  unknownFlagBits: `46000000 05000000 93000000 ${str('p:1')} ${le(0)} ${le(0)} ${ZEROS32}`,
  oddTrailer: `46000000 05000000 01000000 ${le(0)} ${le(0)} ${le(0)} deadbeef`,
  highBytesInString: `46000000 05000000 03000000 ${str('pr\u00f6xy:8080')} ${le(0)} ${le(0)} ${ZEROS32}`,
  version0x50: `50000000 05000000 01000000 ${le(0)} ${le(0)} ${le(0)} ${ZEROS32}`,
};

describe('WinINET blob codec', () => {
  it.each(Object.entries(CORPUS))('round-trips %s byte-exact', (_name, hex) => {
    const bytes = parseHex(hex);
    const decoded = decodeWinInetSettings(bytes);
    expect(toHex(encodeWinInetSettings(decoded))).toBe(toHex(bytes));
  });

  it('decodes the fields of a static proxy value', () => {
    const d = decodeWinInetSettings(parseHex(CORPUS.staticProxy!));
    expect(d).toMatchObject({
      format: 'wininet',
      version: 0x46,
      counter: 0x1d,
      flags: 3,
      proxyServer: 'proxy.contoso.com:8080',
      bypassList: '<local>',
      autoConfigUrl: '',
    });
    expect(d.trailer.length).toBe(32);
    expect(flagNames(d.flags)).toEqual(['DIRECT', 'PROXY']);
  });

  it('keeps strings whose flag is clear', () => {
    const d = decodeWinInetSettings(parseHex(CORPUS.proxyDisabledButKept!));
    expect(d.flags).toBe(1);
    expect(d.proxyServer).toBe('proxy.contoso.com:8080');
  });

  it('names unknown flag bits instead of dropping them', () => {
    expect(flagNames(0x93)).toEqual(['DIRECT', 'PROXY', '0x10', '0x80']);
    expect(flagNames(0x80000000)).toEqual(['0x80000000']);
  });

  it('keeps 8-bit strings exactly as stored', () => {
    const d = decodeWinInetSettings(parseHex(CORPUS.highBytesInString!));
    expect(d.proxyServer).toBe('pr\u00f6xy:8080');
    expect(d.proxyServer.length).toBe(10);
  });

  it('rejects a blob shorter than its header with ATPNL_BLOB_TRUNCATED and the field', () => {
    const err = catchError(() => decodeWinInetSettings(parseHex('46000000 01000000 0300')));
    expect(err.code).toBe('ATPNL_BLOB_TRUNCATED');
    expect(err.location).toEqual({ field: 'flags', offset: 8 });
  });

  it('rejects a blob that stops before a string length', () => {
    const err = catchError(() => decodeWinInetSettings(parseHex(`46000000 01000000 03000000 ${str('p:1')}`)));
    expect(err.code).toBe('ATPNL_BLOB_TRUNCATED');
    expect(err.location).toEqual({ field: 'bypassList.length', offset: 19 });
  });

  it('rejects a length that runs past the end with ATPNL_BLOB_LENGTH at the length field', () => {
    const err = catchError(() => decodeWinInetSettings(parseHex(`46000000 01000000 03000000 ff000000 7031`)));
    expect(err.code).toBe('ATPNL_BLOB_LENGTH');
    expect(err.location).toEqual({ field: 'proxyServer', offset: 12 });
    expect(err.message).toContain('255');
  });

  it('rejects unknown versions; accepts >= 60 like .NET', () => {
    const err = catchError(() => decodeWinInetSettings(parseHex(`3b000000 ${'00'.repeat(20)}`)));
    expect(err.code).toBe('ATPNL_BLOB_VERSION');
    expect(err.location).toEqual({ field: 'version', offset: 0 });
    expect(() => decodeWinInetSettings(parseHex(CORPUS.version0x50!))).not.toThrow();
  });

  it('hints that a 0x18 or 0x28 value is WinHTTP', () => {
    expect(catchError(() => decodeWinInetSettings(DEFAULT_WINHTTP_SETTINGS)).message).toContain('WinHttpSettings');
    expect(catchError(() => decodeWinInetSettings(parseHex(`28000000 ${'00'.repeat(16)}`))).message).toContain('WinHttpSettings');
  });

  it('rejects an empty value as truncated', () => {
    expect(catchError(() => decodeWinInetSettings(new Uint8Array())).code).toBe('ATPNL_BLOB_TRUNCATED');
  });
});

describe('WinHTTP blob codec', () => {
  it('decodes the default value', () => {
    const d = decodeWinHttpSettings(DEFAULT_WINHTTP_SETTINGS);
    expect(d).toMatchObject({ format: 'winhttp', version: 0x18, counter: 0, flags: 1, proxyServer: '', bypassList: '' });
    expect(d.trailer.length).toBe(0);
    expect(toHex(encodeWinHttpSettings(d))).toBe('1800000000000000010000000000000000000000');
  });

  it('builds a netsh-style proxy value as current Windows writes it (0x28) and round-trips it', () => {
    const bytes = encodeWinHttpSettings(buildWinHttpSettings({ proxy: 'proxy:8080', bypass: '<local>' }));
    expect(toHex(bytes)).toBe(`28000000 00000000 03000000 ${str('proxy:8080')} ${str('<local>')}`.replace(/ /g, ''));
    expect(toHex(encodeWinHttpSettings(decodeWinHttpSettings(bytes)))).toBe(toHex(bytes));
    const old = encodeWinHttpSettings(buildWinHttpSettings({ proxy: 'proxy:8080', version: 0x18 }));
    expect(toHex(old).slice(0, 8)).toBe('18000000');
    expect(catchError(() => buildWinHttpSettings({ version: 0x20 })).code).toBe('ATPNL_BLOB_INPUT');
  });

  it.each([
    ['0x28 direct (netsh winhttp reset proxy on current Windows)', '28000000 00000000 01000000 00000000 00000000'],
    ['0x28 named proxy with bypass', `28000000 00000000 03000000 ${str('http=192.168.5.45:3128')} ${str('<local>;*.contoso.com')}`],
    ['0x18 named proxy as Wine writes it (flags 2)', `18000000 00000000 02000000 ${str('p:1')} ${str('')}`],
    ['0x28 with bytes after the bypass list', `28000000 00000000 03000000 ${str('p:1')} ${str('')} 01000000`],
  ])('decodes %s and keeps the version byte-exact', (_name, hex) => {
    const bytes = parseHex(hex);
    const d = decodeConnectionSettings(bytes, 'WinHttpSettings');
    expect(d.format).toBe('winhttp');
    expect(d.version).toBe(bytes[0]);
    expect(toHex(encodeConnectionSettings(d))).toBe(toHex(bytes));
    // no name (pasted hex): still recognised as WinHTTP by the version
    expect(decodeConnectionSettings(bytes).format).toBe('winhttp');
  });

  it('rejects WinHTTP versions other than 0x18 and 0x28', () => {
    const err = catchError(() => decodeWinHttpSettings(parseHex(CORPUS.directOnly!)));
    expect(err.code).toBe('ATPNL_BLOB_VERSION');
    expect(err.message).toContain('0x18 or 0x28');
  });

  it('picks the format by value name, else by version', () => {
    expect(decodeConnectionSettings(DEFAULT_WINHTTP_SETTINGS).format).toBe('winhttp');
    expect(decodeConnectionSettings(parseHex(CORPUS.directOnly!)).format).toBe('wininet');
    expect(decodeConnectionSettings(DEFAULT_WINHTTP_SETTINGS, 'WinHttpSettings').format).toBe('winhttp');
    expect(() => decodeConnectionSettings(DEFAULT_WINHTTP_SETTINGS, 'DefaultConnectionSettings')).toThrow(AtpNetlabError);
  });
});

describe('encodeSettings builder', () => {
  it('produces the shape Windows writes for a static proxy', () => {
    const hex = toHex(encodeSettings({ proxy: 'proxy.contoso.com:8080', bypass: '<local>', counter: 0x1d }));
    expect(hex).toBe(CORPUS.staticProxy!.replace(/ /g, ''));
  });

  it('sets PAC and auto-detect flags', () => {
    const d = decodeWinInetSettings(encodeSettings({ pac: 'http://pac/p.pac', autoDetect: true }));
    expect(flagNames(d.flags)).toEqual(['DIRECT', 'AUTO_PROXY_URL', 'AUTO_DETECT']);
    expect(d.autoConfigUrl).toBe('http://pac/p.pac');
  });

  it('refuses characters a blob cannot hold', () => {
    expect(catchError(() => encodeSettings({ proxy: 'prøxy\u20ac:1' })).code).toBe('ATPNL_BLOB_INPUT');
  });
});

const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 80 });
const wininetArb: fc.Arbitrary<WinInetSettings> = fc.record({
  format: fc.constant('wininet' as const),
  version: fc.integer({ min: 60, max: 0xffffffff }),
  counter: fc.integer({ min: 0, max: 0xffffffff }),
  flags: fc.integer({ min: 0, max: 0xffffffff }),
  proxyServer: latin1,
  bypassList: latin1,
  autoConfigUrl: latin1,
  trailer: fc.uint8Array({ maxLength: 48 }),
});

describe('properties', () => {
  it('generated WinINET settings round-trip byte-exact', () => {
    fc.assert(
      fc.property(wininetArb, (s) => {
        const bytes = encodeWinInetSettings(s);
        const back = decodeWinInetSettings(bytes);
        expect(back).toEqual(s);
        expect(toHex(encodeConnectionSettings(back))).toBe(toHex(bytes));
      }),
    );
  });

  it('arbitrary bytes either decode and re-encode identically or throw a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
        for (const decode of [decodeWinInetSettings, decodeWinHttpSettings]) {
          let decoded;
          try {
            decoded = decode(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(AtpNetlabError);
            expect((e as AtpNetlabError).code).toMatch(/^ATPNL_BLOB_(TRUNCATED|LENGTH|VERSION)$/);
            continue;
          }
          expect(toHex(encodeConnectionSettings(decoded))).toBe(toHex(bytes));
        }
      }),
    );
  });

  it('builder output always decodes to what was asked', () => {
    fc.assert(
      fc.property(latin1, latin1, latin1, fc.boolean(), (proxy, bypass, pac, autoDetect) => {
        const d = decodeWinInetSettings(encodeSettings({ proxy, bypass, pac, autoDetect }));
        expect([d.proxyServer, d.bypassList, d.autoConfigUrl]).toEqual([proxy, bypass, pac]);
        expect((d.flags & 8) !== 0).toBe(autoDetect);
      }),
    );
  });
});

describe('hex input', () => {
  it('accepts reg.exe, .reg and spaced forms', () => {
    expect(toHex(parseHex('46,00,00,00,\\\n  01'))).toBe('4600000001');
    expect(toHex(parseHex('hex:46,00'))).toBe('4600');
    expect(toHex(parseHex('0x4600'))).toBe('4600');
    expect(toHex(parseHex('46 00\t00'))).toBe('460000');
  });
  it('rejects non-hex and odd lengths', () => {
    expect(catchError(() => parseHex('46 0g')).code).toBe('ATPNL_BLOB_INPUT');
    expect(catchError(() => parseHex('460')).code).toBe('ATPNL_BLOB_INPUT');
  });
});

function catchError(fn: () => unknown): AtpNetlabError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AtpNetlabError) return e;
    throw e;
  }
  throw new Error('expected an AtpNetlabError');
}
