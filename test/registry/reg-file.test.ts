import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  RegistryTree,
  decodeRegBytes,
  encodeRegText,
  parseRegText,
  readRegFileBytes,
  writeRegFileBytes,
  writeRegText,
  type RegFile,
  type RegValue,
} from '../../src/registry/index.js';
import { AtpNetlabError } from '../../src/errors.js';

const CONN = 'HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections';

/** Shaped like a real regedit export of the Connections key (values shortened). */
const REGEDIT_EXPORT = [
  'Windows Registry Editor Version 5.00',
  '',
  `[${CONN}]`,
  '"DefaultConnectionSettings"=hex:46,00,00,00,1d,00,00,00,03,00,00,00,16,00,00,\\',
  '  00,70,72,6f,78,79,2e,63,6f,6e,74,6f,73,6f,2e,63,6f,6d,3a,38,30,38,30,07,00,\\',
  '  00,00,3c,6c,6f,63,61,6c,3e,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,\\',
  '  00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00',
  '"SavedLegacySettings"=hex:46,00,00,00,1e,00,00,00,03,00,00,00,00,00,00,00,00,\\',
  '  00,00,00,00,00,00,00',
  '',
].join('\r\n') + '\r\n';

describe('.reg reader', () => {
  it('reads a regedit export (UTF-16LE + BOM, CRLF, hex continuations)', () => {
    const bytes = encodeRegText(REGEDIT_EXPORT, 'regedit5');
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xfe]);
    const doc = readRegFileBytes(bytes);
    expect(doc.format).toBe('regedit5');
    expect(doc.entries).toHaveLength(1);
    const e = doc.entries[0]!;
    expect(e.kind === 'key' && e.path).toBe(CONN);
    if (e.kind !== 'key') throw new Error();
    expect(e.values.map((v) => [v.name, v.line])).toEqual([
      ['DefaultConnectionSettings', 4],
      ['SavedLegacySettings', 8],
    ]);
    const v = e.values[0]!.value!;
    expect(v.type).toBe('REG_BINARY');
    expect(Buffer.from((v as { data: Uint8Array }).data).subarray(16, 38).toString('latin1')).toBe('proxy.contoso.com:8080');
  });

  it('writes a regedit export back byte-for-byte', () => {
    const bytes = encodeRegText(REGEDIT_EXPORT, 'regedit5');
    expect(Buffer.from(writeRegFileBytes(readRegFileBytes(bytes))).equals(Buffer.from(bytes))).toBe(true);
  });

  it('reads every value kind, comments, defaults and deletions', () => {
    const text = [
      'Windows Registry Editor Version 5.00',
      '; exported by hand',
      '',
      '; a comment',
      '[HKCU\\Software\\Test]',
      '@="default \\"quoted\\" C:\\\\path\\\\"',
      '"Dword"=dword:0000001f',
      '"Expand"=hex(2):25,00,50,00,41,00,54,00,48,00,25,00,00,00',
      '"Multi"=hex(7):61,00,00,00,62,00,63,00,00,00,00,00',
      '"EmptyMulti"=hex(7):00,00',
      '"Qword"=hex(b):01,02,03,04,05,06,07,08',
      '"None"=hex(0):',
      '"BigEndian"=hex(5):00,00,00,01 ; trailing comment',
      '"Gone"=-',
      '  "Spaced" = "ok"',
      '',
      '[-HKEY_USERS\\S-1-5-19\\Software\\Old]',
      '[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]',
      '"Bin"=hex:',
    ].join('\n');
    const doc = parseRegText(text);
    expect(doc.entries.map((e) => [e.kind, e.path])).toEqual([
      ['key', 'HKEY_CURRENT_USER\\Software\\Test'],
      ['deleteKey', 'HKEY_USERS\\S-1-5-19\\Software\\Old'],
      ['key', 'HKEY_LOCAL_MACHINE\\SOFTWARE\\X'],
    ]);
    const values = doc.entries[0]!.kind === 'key' ? doc.entries[0]!.values : [];
    const byName = Object.fromEntries(values.map((v) => [v.name, v.value]));
    expect(byName['']).toEqual({ type: 'REG_SZ', data: 'default "quoted" C:\\path\\' });
    expect(byName.Dword).toEqual({ type: 'REG_DWORD', data: 31 });
    expect(byName.Expand).toEqual({ type: 'REG_EXPAND_SZ', data: '%PATH%' });
    expect(byName.Multi).toEqual({ type: 'REG_MULTI_SZ', data: ['a', 'bc'] });
    expect(byName.EmptyMulti).toEqual({ type: 'REG_MULTI_SZ', data: [] });
    expect(byName.Qword).toEqual({ type: 'REG_QWORD', data: 0x0807060504030201n });
    expect(byName.None).toEqual({ type: 'REG_NONE', data: new Uint8Array() });
    expect(byName.BigEndian).toEqual({ type: 'REG_UNKNOWN', typeNumber: 5, data: Uint8Array.of(0, 0, 0, 1) });
    expect(byName.Gone).toBeNull();
    expect(byName.Spaced).toEqual({ type: 'REG_SZ', data: 'ok' });

    // and the writer gives the same model back
    expect(stripLines(parseRegText(writeRegText(doc))).entries).toEqual(stripLines(doc).entries);
  });

  it('keeps a hex(2) that is not a clean string raw instead of guessing', () => {
    const doc = parseRegText('REGEDIT4\r\n[HKCU\\A]\r\n"x"=hex(2):41,42\r\n');
    expect(doc.entries[0]!.kind === 'key' && doc.entries[0]!.values[0]!.value).toEqual({
      type: 'REG_UNKNOWN',
      typeNumber: 2,
      data: Uint8Array.of(0x41, 0x42),
    });
  });

  it('reads REGEDIT4 as ANSI (Windows-1252) and writes it back as ANSI', () => {
    const bytes = Buffer.concat([
      Buffer.from('REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\A]\r\n"Name"="caf', 'latin1'),
      Buffer.from([0xe9, 0x80]),
      Buffer.from('"\r\n"E"=hex(2):41,00\r\n\r\n', 'latin1'),
    ]);
    const doc = readRegFileBytes(bytes);
    expect(doc.format).toBe('regedit4');
    const vals = doc.entries[0]!.kind === 'key' ? doc.entries[0]!.values : [];
    expect(vals[0]!.value).toEqual({ type: 'REG_SZ', data: 'café€' });
    expect(vals[1]!.value).toEqual({ type: 'REG_EXPAND_SZ', data: 'A' });
    expect(Buffer.from(writeRegFileBytes(doc)).equals(bytes)).toBe(true);
  });

  it('detects UTF-8 with and without BOM, and UTF-16LE without BOM', () => {
    const text = 'Windows Registry Editor Version 5.00\r\n\r\n[HKCU\\Ü]\r\n"a"="ö"\r\n';
    for (const bytes of [
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
      Buffer.from(text),
      Buffer.from(text, 'utf16le'),
    ]) {
      expect(decodeRegBytes(bytes)).toBe(text);
    }
  });

  it('normalises hive short names', () => {
    const doc = parseRegText('REGEDIT4\n[HKU\\S-1-5-18\\x]\n[hklm\\y]\n[HKEY_CURRENT_USER\\z\\]\n');
    expect(doc.entries.map((e) => e.path)).toEqual(['HKEY_USERS\\S-1-5-18\\x', 'HKEY_LOCAL_MACHINE\\y', 'HKEY_CURRENT_USER\\z']);
  });

  it.each([
    ['not a reg file\r\n', 1, undefined],
    ['REGEDIT4\r\n"a"="b"\r\n', 2, undefined],
    ['REGEDIT4\r\n\r\n[HKCU\\A]\r\n"a"=hex:01,zz\r\n', 4, 'a'],
    ['REGEDIT4\r\n[HKCU\\A]\r\n"a"="unterminated\r\n', 3, undefined],
    ['REGEDIT4\r\n[HKXX\\A]\r\n', 2, undefined],
    ['REGEDIT4\r\n[HKCU\\A]\r\n"a"=\\\r\n', 3, 'a'],
    ['REGEDIT4\r\n[HKCU\\A]\r\n"a"=hex:01,\\\r\n  02,\\\r\n  0g\r\n', 5, 'a'],
    ['', 1, undefined],
  ])('reports parse errors with file and line: %j', (text, line, field) => {
    try {
      parseRegText(text, { file: 'x.reg' });
      throw new Error('expected failure');
    } catch (e) {
      expect(e).toBeInstanceOf(AtpNetlabError);
      const err = e as AtpNetlabError;
      expect(err.code).toBe('ATPNL_REG_PARSE');
      expect(err.location.file).toBe('x.reg');
      expect(err.location.line).toBe(line);
      if (field) expect(err.location.field).toBe(field);
    }
  });
});

describe('.reg reader: strict hex', () => {
  const KEY = '[HKEY_CURRENT_USER\\A]';
  function parseError(lines: string[]): AtpNetlabError {
    try {
      parseRegText(['Windows Registry Editor Version 5.00', '', KEY, ...lines, ''].join('\r\n'), { file: 'x.reg' });
    } catch (e) {
      if (e instanceof AtpNetlabError) return e;
      throw e;
    }
    throw new Error('expected a parse error');
  }

  it.each([
    ['a one-digit byte token', ['"v"=hex:46,00,9,00'], 4, 2, /one hex digit/],
    ['a one-digit byte at the end of the value', ['"v"=hex:46,00,0'], 4, 2, /one hex digit/],
    ['a one-digit byte on a continuation line', ['"v"=hex:46,00,\\', '  00,00,7,00'], 5, 4, /one hex digit/],
    ['a non-hex character', ['"v"=hex:46,00,0g,00'], 4, 2, /not a hex digit: "g"/],
    ['a three-digit token', ['"v"=hex:46,000,00'], 4, 1, /more than two/],
    ['a stray ";" in a continuation (would drop the trailer)', ['"v"=hex:46,00,\\', '  00,00,;00,00,\\', '  00,00'], 5, 4, /";" inside the hex data/],
    ['a value cut off after a comma at the end of the file', ['"v"=hex:46,00,00,'], 4, 3, /cut off/],
    ['a continuation into the end of the file', ['"v"=hex:46,00,\\'], 4, 2, /cut off: line 4 continues .* the file ends/],
    ['a continuation into a blank line', ['"v"=hex:46,00,\\', '', '"w"=dword:1'], 4, 2, /the next line is blank/],
    ['a continuation into the next value', ['"v"=hex:46,00,\\', '"w"=dword:1'], 4, 2, /starts a new key or value/],
    ['two commas in a row', ['"v"=hex:46,,00'], 4, 1, /two commas/],
    ['a missing comma', ['"v"=hex:46 00'], 4, 1, /missing ","/],
  ])('rejects %s with the line and the byte index', (_what, lines, line, byte, message) => {
    const e = parseError(lines);
    expect(e.code).toBe('ATPNL_REG_PARSE');
    expect(e.location).toMatchObject({ file: 'x.reg', line, field: 'v', offset: byte });
    expect(e.message).toMatch(message);
    expect(e.message).toContain(`byte ${byte}`);
  });

  it('still reads what regedit writes: comments after the last byte, blanks around commas, empty values', () => {
    const doc = parseRegText(['REGEDIT4', KEY, '"a"=hex:01, 02 ,03 ; comment', '"b"=hex:', '"c"=hex: ; nothing', '"d"=hex:0A,\\', '   Bc', ''].join('\r\n'));
    const values = doc.entries[0]!.kind === 'key' ? doc.entries[0]!.values : [];
    expect(values.map((v) => Array.from((v.value as { data: Uint8Array }).data))).toEqual([[1, 2, 3], [], [], [0x0a, 0xbc]]);
  });

  /** One huge REG_BINARY value wrapped like regedit writes it, padded to `fileBytes`. */
  function hugeRegFile(fileBytes: number, format: 'regedit5' | 'regedit4'): Uint8Array {
    const head = `${format === 'regedit5' ? 'Windows Registry Editor Version 5.00' : 'REGEDIT4'}\r\n\r\n${KEY}\r\n`;
    const charBytes = format === 'regedit5' ? 2 : 1;
    const budgetChars = Math.floor(fileBytes / charBytes) - head.length - 8;
    const byteCount = Math.floor(budgetChars / 3.2); // regedit wraps 25 bytes into 80 characters
    const data = Uint8Array.from({ length: byteCount }, (_, i) => (i * 31) & 0xff);
    const text = writeRegText({ format, entries: [{ kind: 'key', path: 'HKEY_CURRENT_USER\\A', values: [{ name: 'v', value: { type: 'REG_BINARY', data } }] }] });
    return encodeRegText(text, format);
  }

  it.each(['regedit5', 'regedit4'] as const)('decodes a 4 MiB %s file with one huge value in under a second, linearly', (format) => {
    const time = (bytes: Uint8Array) => {
      const t0 = performance.now();
      const doc = readRegFileBytes(bytes);
      const ms = performance.now() - t0;
      return { ms, doc };
    };
    const small = hugeRegFile(1 << 20, format);
    const big = hugeRegFile(4 << 20, format);
    expect(big.length).toBeGreaterThan((4 << 20) - (64 << 10));
    expect(big.length).toBeLessThanOrEqual(4 << 20);
    time(small); // warm the JIT
    const s = time(small);
    const b = time(big);
    const v = b.doc.entries[0]!.kind === 'key' ? b.doc.entries[0]!.values[0]!.value : null;
    expect((v as { data: Uint8Array }).data.length).toBeGreaterThan(format === 'regedit5' ? 600_000 : 1_300_000);
    expect(b.ms).toBeLessThan(1000);
    // quadratic work would make 4x the input 16x slower; allow noise on a shared machine
    expect(b.ms / Math.max(s.ms, 1)).toBeLessThan(10);
  });
});

describe('.reg writer', () => {
  it('wraps hex like regedit: 77 columns, two-space continuation, no trailing comma', () => {
    const data = Uint8Array.from({ length: 60 }, (_, i) => i);
    const text = writeRegText({
      format: 'regedit5',
      entries: [{ kind: 'key', path: CONN, values: [{ name: 'DefaultConnectionSettings', value: { type: 'REG_BINARY', data } }] }],
    });
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('Windows Registry Editor Version 5.00');
    expect(lines[1]).toBe('');
    expect(lines[2]).toBe(`[${CONN}]`);
    expect(lines[3]).toBe('"DefaultConnectionSettings"=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,\\');
    expect(lines[3]!.length).toBe(78);
    expect(lines[4]).toMatch(/^ {2}0f,10,.*,27,\\$/);
    expect(lines[4]!.length).toBe(78);
    expect(lines[5]).toBe('  28,29,2a,2b,2c,2d,2e,2f,30,31,32,33,34,35,36,37,38,39,3a,3b');
    expect(lines.slice(6)).toEqual(['', '']);
    expect(text.endsWith('\r\n\r\n')).toBe(true);
  });

  it('writes deletions, dwords and the default value', () => {
    const text = writeRegText({
      format: 'regedit5',
      entries: [
        { kind: 'deleteKey', path: 'HKEY_USERS\\S-1-5-19\\x' },
        { kind: 'key', path: 'HKEY_USERS\\S-1-5-19\\y', values: [{ name: '', value: { type: 'REG_DWORD', data: 255 } }, { name: 'v', value: null }] },
      ],
    });
    expect(text).toBe(
      'Windows Registry Editor Version 5.00\r\n\r\n[-HKEY_USERS\\S-1-5-19\\x]\r\n\r\n[HKEY_USERS\\S-1-5-19\\y]\r\n@=dword:000000ff\r\n"v"=-\r\n\r\n',
    );
  });

  it('round-trips generated registries (model → text → model)', () => {
    const name = fc.string({ maxLength: 12 }).filter((s) => !s.includes('\0'));
    const keyName = fc.stringMatching(/^[A-Za-z0-9 _.{}-]{1,12}$/);
    const value: fc.Arbitrary<RegValue> = fc.oneof(
      fc.record({ type: fc.constant('REG_SZ' as const), data: fc.string({ maxLength: 20 }).filter((s) => !/[\r\n\0]/.test(s)) }),
      fc.record({ type: fc.constant('REG_EXPAND_SZ' as const), data: fc.string({ maxLength: 20 }).filter((s) => !s.includes('\0')) }),
      fc.record({ type: fc.constant('REG_MULTI_SZ' as const), data: fc.array(fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.includes('\0')), { maxLength: 3 }) }),
      fc.record({ type: fc.constant('REG_DWORD' as const), data: fc.integer({ min: 0, max: 0xffffffff }) }),
      fc.record({ type: fc.constant('REG_QWORD' as const), data: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
      fc.record({ type: fc.constant('REG_BINARY' as const), data: fc.uint8Array({ maxLength: 200 }) }),
      fc.record({ type: fc.constant('REG_NONE' as const), data: fc.uint8Array({ maxLength: 10 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(keyName, fc.uniqueArray(fc.tuple(name, value), { selector: ([n]) => n.toLowerCase(), maxLength: 4 })), { maxLength: 4 }),
        (keys) => {
          const tree = new RegistryTree();
          for (const [k, vals] of keys) {
            tree.createKey(`HKCU\\Root\\${k}`);
            for (const [n, v] of vals) tree.setValue(`HKCU\\Root\\${k}`, n, v);
          }
          const doc = tree.toRegFile();
          const bytes = writeRegFileBytes(doc);
          const back = readRegFileBytes(bytes);
          expect(stripLines(back)).toEqual(doc);
          expect(Buffer.from(writeRegFileBytes(back)).equals(Buffer.from(bytes))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

function stripLines(doc: RegFile): RegFile {
  return {
    format: doc.format,
    entries: doc.entries.map((e) =>
      e.kind === 'deleteKey'
        ? { kind: 'deleteKey', path: e.path }
        : { kind: 'key', path: e.path, values: e.values.map((v) => ({ name: v.name, value: v.value })) },
    ),
  };
}
