/**
 * .reg reader: regedit's two formats (FACTS.md §5). Lenient where regedit is (hive short
 * names, trailing comments, spaces around `=`), strict where silently guessing would corrupt
 * a value: those fail with ATPNL_REG_PARSE, the file, the physical line and, for hex data, the
 * index of the byte that could not be read.
 *
 * Strict hex (Wine's regedit, programs/regedit/regproc.c, is laxer on each point and so is
 * not the model here): every byte is exactly two hex digits (`,9,` is an error, not 0x09); a
 * `;` is a comment only after the last byte of a value (after a dangling comma it would drop
 * the rest of the value, e.g. a blob's trailer); a value whose last line ends in `,` or whose
 * `\` continuation runs into the end of the file, a blank line or the next key/value is cut
 * off, and an error.
 *
 * Linear time and memory: the text is split once, hex continuations are read line by line
 * into one growing byte buffer (doubling), and no line is ever re-joined or re-scanned, so a
 * 4 MiB file with one huge value decodes in well under a second (bench/decode-size.mjs).
 */
import { AtpNetlabError } from '../errors.js';
import { decodeCp1252 } from './cp1252.js';
import { tryParseKeyPath } from './key-path.js';
import {
  REGEDIT4_HEADER,
  REGEDIT5_HEADER,
  type RegFile,
  type RegFileEntry,
  type RegFileFormat,
  type RegValueOp,
} from './reg-file.js';
import type { RegValue } from './value.js';

export interface ReadOptions {
  /** Shown in errors. */
  file?: string;
}

/** Bytes → text: UTF-16LE BOM, UTF-8 (BOM or not), UTF-16LE without BOM, else ANSI (cp1252). */
export function decodeRegBytes(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return b.toString('utf16le', 2);
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.toString('utf8', 3);
  // "W\0i\0" / "R\0E\0": UTF-16LE written without a BOM (some tools do)
  if (b.length >= 4 && b[1] === 0 && b[3] === 0 && b[0] !== 0) return b.toString('utf16le');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return decodeCp1252(b);
  }
}

export function readRegFileBytes(bytes: Uint8Array, opts: ReadOptions = {}): RegFile {
  return parseRegText(decodeRegBytes(bytes), opts);
}

function fail(message: string, line: number, file: string | undefined, field?: string, offset?: number): never {
  throw new AtpNetlabError('ATPNL_REG_PARSE', message, { file, line, ...(field !== undefined ? { field } : {}), ...(offset !== undefined ? { offset } : {}) });
}

export function parseRegText(text: string, opts: ReadOptions = {}): RegFile {
  const file = opts.file;
  const rawLines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  let format: RegFileFormat | undefined;
  const entries: RegFileEntry[] = [];
  let current: Extract<RegFileEntry, { kind: 'key' }> | undefined;

  for (let i = 0; i < rawLines.length; i++) {
    const lineNo = i + 1;
    const line = rawLines[i]!.replace(/^[ \t]+/, '');
    if (format === undefined) {
      if (line.trim() === '') continue;
      const header = line.trim();
      if (header === REGEDIT5_HEADER) format = 'regedit5';
      else if (header === REGEDIT4_HEADER) format = 'regedit4';
      else fail(`not a .reg file: expected "${REGEDIT5_HEADER}" or "${REGEDIT4_HEADER}", got ${JSON.stringify(header.slice(0, 60))}`, lineNo, file);
      continue;
    }
    if (line.trim() === '' || line.startsWith(';')) continue;

    if (line.startsWith('[')) {
      const close = line.lastIndexOf(']');
      if (close === -1) fail('key line has no closing "]"', lineNo, file);
      const rest = line.slice(close + 1).trim();
      if (rest !== '' && !rest.startsWith(';')) fail(`unexpected text after key: ${JSON.stringify(rest)}`, lineNo, file);
      let path = line.slice(1, close);
      const isDelete = path.startsWith('-');
      if (isDelete) path = path.slice(1);
      const parsed = tryParseKeyPath(path);
      if (!parsed || parsed.full === '') fail(`unknown hive in key ${JSON.stringify(path)}`, lineNo, file);
      if (isDelete) {
        entries.push({ kind: 'deleteKey', path: parsed.full, line: lineNo });
        current = undefined;
      } else {
        current = { kind: 'key', path: parsed.full, values: [], line: lineNo };
        entries.push(current);
      }
      continue;
    }

    // A value; hex data may continue over the following lines (trailing backslash).
    if (!current) {
      fail(entries.length ? 'value after a deleted key ([-...]) has no key to go to' : 'value before any [key] line', lineNo, file);
    }
    const parsed = parseValueLine(line, lineNo, file, format, rawLines, i);
    current.values.push(parsed.op);
    i = parsed.lastLineIndex;
  }
  if (format === undefined) fail('empty file: no .reg header', 1, file);
  return { format, entries };
}

function parseQuoted(s: string, start: number, lineNo: number, file: string | undefined, what: string): [string, number] {
  // s[start] is the opening quote; returns [content, index after closing quote]. Plain runs
  // are sliced whole, so the work is linear in the string's length.
  const parts: string[] = [];
  let runStart = start + 1;
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 /* " */) {
      parts.push(s.slice(runStart, i));
      return [parts.join(''), i + 1];
    }
    if (c === 0x5c /* \ */) {
      parts.push(s.slice(runStart, i));
      const n = s[++i];
      if (n === '\\' || n === '"') parts.push(n);
      else if (n === 'n') parts.push('\n');
      else if (n === 'r') parts.push('\r');
      else if (n === '0') parts.push('\0');
      else fail(`unknown escape \\${n ?? ''} in ${what}`, lineNo, file);
      runStart = i + 1;
    }
  }
  return fail(`unterminated string in ${what}`, lineNo, file);
}

function parseValueLine(
  line: string,
  lineNo: number,
  file: string | undefined,
  format: RegFileFormat,
  rawLines: readonly string[],
  lineIndex: number,
): { op: RegValueOp; lastLineIndex: number } {
  const op = (o: RegValueOp) => ({ op: o, lastLineIndex: lineIndex });
  let name: string;
  let i: number;
  if (line.startsWith('@')) {
    name = '';
    i = 1;
  } else if (line.startsWith('"')) {
    [name, i] = parseQuoted(line, 0, lineNo, file, 'value name');
  } else {
    return fail(`expected a value ("name"=... or @=...), got ${JSON.stringify(line.slice(0, 40))}`, lineNo, file);
  }
  const eq = /^\s*=\s*/.exec(line.slice(i));
  if (!eq) fail(`missing "=" after value name`, lineNo, file, name);
  i += eq[0].length;
  const data = line.slice(i);
  const field = name === '' ? '@' : name;

  const afterData = (rest: string) => {
    const t = rest.trim();
    if (t !== '' && !t.startsWith(';')) fail(`unexpected text after value: ${JSON.stringify(t.slice(0, 40))}`, lineNo, file, field);
  };

  if (/^-\s*(;.*)?$/.test(data)) return op({ name, value: null, line: lineNo });
  if (data.startsWith('"')) {
    const [s, end] = parseQuoted(data, 0, lineNo, file, `value ${JSON.stringify(name)}`);
    afterData(data.slice(end));
    return op({ name, value: { type: 'REG_SZ', data: s }, line: lineNo });
  }
  const dword = /^dword:([0-9a-fA-F]{1,8})(.*)$/i.exec(data);
  if (dword) {
    afterData(dword[2]!);
    return op({ name, value: { type: 'REG_DWORD', data: parseInt(dword[1]!, 16) }, line: lineNo });
  }
  const hex = /^hex(?:\(([0-9a-fA-F]{1,8})\))?:/i.exec(data);
  if (hex) {
    const typeNumber = hex[1] !== undefined ? parseInt(hex[1], 16) : 3;
    const body = readHexData(data.slice(hex[0].length), { rawLines, lineIndex, file, field });
    return { op: { name, value: hexToValue(typeNumber, body.bytes, format), line: lineNo }, lastLineIndex: body.lastLineIndex };
  }
  return fail(`unrecognised value data ${JSON.stringify(data.slice(0, 40))}`, lineNo, file, field);
}

/** Bytes that grow by doubling: amortised O(1) per byte, one copy at the end. */
class ByteSink {
  private buf = new Uint8Array(64);
  length = 0;
  push(b: number): void {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = b;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

interface HexContext {
  rawLines: readonly string[];
  /** Index in rawLines of the value's first line. */
  lineIndex: number;
  file: string | undefined;
  field: string;
}

/**
 * The bytes of a `hex:` value, from the text after `hex:` on the value's first line and any
 * continuation lines. One pass over each character; see the file comment for the rules.
 */
function readHexData(first: string, ctx: HexContext): { bytes: Uint8Array; lastLineIndex: number } {
  const out = new ByteSink();
  let text = first;
  let index = ctx.lineIndex;
  const bad = (message: string): never =>
    fail(`${message} (value ${JSON.stringify(ctx.field)}, byte ${out.length})`, index + 1, ctx.file, ctx.field, out.length);
  for (;;) {
    // expectByte: at the start of a line or after a comma (a byte must come); false right after a byte
    let expectByte = true;
    let continued = false;
    let sawByteOnValue = out.length > 0;
    let i = 0;
    const n = text.length;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (isBlank(c)) {
        i++;
        continue;
      }
      const hi = hexDigit(c);
      if (hi !== -1) {
        if (!expectByte) bad(`missing "," before ${JSON.stringify(text.slice(i, i + 2))}`);
        const lo = i + 1 < n ? hexDigit(text.charCodeAt(i + 1)) : -1;
        if (lo === -1) {
          const next = text[i + 1];
          bad(
            next === undefined || next === ',' || next === '\\' || next === ';' || next === ' ' || next === '\t'
              ? `byte ${JSON.stringify(text[i])} has one hex digit; every byte is two (e.g. 0${text[i]})`
              : `not a hex digit: ${JSON.stringify(next)}`,
          );
        }
        if (i + 2 < n && hexDigit(text.charCodeAt(i + 2)) !== -1) bad(`byte ${JSON.stringify(text.slice(i, i + 3))}... has more than two hex digits`);
        out.push(hi * 16 + lo);
        sawByteOnValue = true;
        expectByte = false;
        i += 2;
        continue;
      }
      if (c === 0x2c /* , */) {
        if (expectByte) bad(sawByteOnValue ? 'two commas in a row: a byte is missing' : 'hex data starts with a comma');
        expectByte = true;
        i++;
        continue;
      }
      if (c === 0x5c /* \ */) {
        if (text.slice(i + 1).trim() !== '') bad(`text after the line continuation "\\": ${JSON.stringify(text.slice(i + 1).trim().slice(0, 20))}`);
        if (!expectByte) bad('line continuation "\\" right after a byte: a comma is missing');
        continued = true;
        break;
      }
      if (c === 0x3b /* ; */) {
        if (expectByte && sawByteOnValue) bad('";" inside the hex data after a comma: the rest of the value would be dropped');
        break; // a comment after the last byte
      }
      bad(`not a hex digit: ${JSON.stringify(text[i])}`);
    }
    if (!continued) {
      if (expectByte && sawByteOnValue) bad('the value ends with a comma: it is cut off');
      return { bytes: out.bytes(), lastLineIndex: index };
    }
    const nextIndex = index + 1;
    const nextLine = nextIndex < ctx.rawLines.length ? ctx.rawLines[nextIndex]! : undefined;
    const trimmed = nextLine?.trim();
    if (trimmed === undefined || trimmed === '' || trimmed.startsWith('[') || trimmed.startsWith('"') || trimmed.startsWith('@')) {
      bad(
        `the value is cut off: line ${index + 1} continues with "\\" but ${
          trimmed === undefined || (trimmed === '' && nextIndex === ctx.rawLines.length - 1)
            ? 'the file ends'
            : trimmed === ''
              ? 'the next line is blank'
              : 'the next line starts a new key or value'
        }`,
      );
    }
    index = nextIndex;
    text = nextLine!;
  }
}

function decodeStrings(bytes: Uint8Array, format: RegFileFormat): string | undefined {
  if (format === 'regedit5') {
    if (bytes.length % 2 !== 0) return undefined;
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf16le');
  }
  return decodeCp1252(bytes);
}

/** `hex(n):` → the typed value when the bytes are exactly what regedit writes for it, else raw. */
export function hexToValue(typeNumber: number, bytes: Uint8Array, format: RegFileFormat): RegValue {
  switch (typeNumber) {
    case 0:
      return { type: 'REG_NONE', data: bytes };
    case 3:
      return { type: 'REG_BINARY', data: bytes };
    case 2: {
      const s = decodeStrings(bytes, format);
      if (s !== undefined && s.endsWith('\0') && !s.slice(0, -1).includes('\0')) return { type: 'REG_EXPAND_SZ', data: s.slice(0, -1) };
      break;
    }
    case 7: {
      const s = decodeStrings(bytes, format);
      if (s === '\0') return { type: 'REG_MULTI_SZ', data: [] };
      if (s !== undefined && s.endsWith('\0\0')) {
        const parts = s.slice(0, -2).split('\0');
        if (parts.every((p) => p !== '')) return { type: 'REG_MULTI_SZ', data: parts };
      }
      break;
    }
    case 11:
      if (bytes.length === 8) {
        return { type: 'REG_QWORD', data: Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64LE(0) };
      }
      break;
  }
  return { type: 'REG_UNKNOWN', typeNumber, data: bytes };
}
