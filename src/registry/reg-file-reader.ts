/**
 * .reg reader: regedit's two formats (FACTS.md §5). Lenient where regedit is (hive short
 * names, trailing comments, spaces around `=`), strict where silently guessing would corrupt
 * a value (bad hex, unterminated strings): those fail with ATPNL_REG_PARSE and file:line.
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

function fail(message: string, line: number, file: string | undefined, field?: string): never {
  throw new AtpNetlabError('ATPNL_REG_PARSE', message, { file, line, ...(field !== undefined ? { field } : {}) });
}

export function parseRegText(text: string, opts: ReadOptions = {}): RegFile {
  const file = opts.file;
  const rawLines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  let format: RegFileFormat | undefined;
  const entries: RegFileEntry[] = [];
  let current: Extract<RegFileEntry, { kind: 'key' }> | undefined;

  for (let i = 0; i < rawLines.length; i++) {
    const lineNo = i + 1;
    let line = rawLines[i]!.replace(/^[ \t]+/, '');
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

    // A value, possibly continued over several lines with a trailing backslash.
    const startLine = lineNo;
    while (line.trimEnd().endsWith('\\') && /=\s*hex/i.test(line) && i + 1 < rawLines.length) {
      line = line.trimEnd().slice(0, -1) + rawLines[++i]!.trim();
    }
    if (!current) {
      fail(
        entries.length ? 'value after a deleted key ([-...]) has no key to go to' : 'value before any [key] line',
        startLine,
        file,
      );
    }
    current.values.push(parseValueLine(line, startLine, file, format));
  }
  if (format === undefined) fail('empty file: no .reg header', 1, file);
  return { format, entries };
}

function parseQuoted(s: string, start: number, lineNo: number, file: string | undefined, what: string): [string, number] {
  // s[start] is the opening quote; returns [content, index after closing quote]
  let out = '';
  for (let i = start + 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') return [out, i + 1];
    if (c === '\\') {
      const n = s[++i];
      if (n === '\\' || n === '"') out += n;
      else if (n === 'n') out += '\n';
      else if (n === 'r') out += '\r';
      else if (n === '0') out += '\0';
      else fail(`unknown escape \\${n ?? ''} in ${what}`, lineNo, file);
      continue;
    }
    out += c;
  }
  return fail(`unterminated string in ${what}`, lineNo, file);
}

function parseValueLine(line: string, lineNo: number, file: string | undefined, format: RegFileFormat): RegValueOp {
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

  if (/^-\s*(;.*)?$/.test(data)) return { name, value: null, line: lineNo };
  if (data.startsWith('"')) {
    const [s, end] = parseQuoted(data, 0, lineNo, file, `value ${JSON.stringify(name)}`);
    afterData(data.slice(end));
    return { name, value: { type: 'REG_SZ', data: s }, line: lineNo };
  }
  const dword = /^dword:([0-9a-fA-F]{1,8})(.*)$/i.exec(data);
  if (dword) {
    afterData(dword[2]!);
    return { name, value: { type: 'REG_DWORD', data: parseInt(dword[1]!, 16) }, line: lineNo };
  }
  const hex = /^hex(?:\(([0-9a-fA-F]{1,8})\))?:([^;]*)(;.*)?$/i.exec(data);
  if (hex) {
    const typeNumber = hex[1] !== undefined ? parseInt(hex[1], 16) : 3;
    const body = hex[2]!.replace(/\s+/g, '');
    let bytes: Uint8Array;
    if (body === '') bytes = new Uint8Array();
    else {
      const parts = body.replace(/,$/, '').split(',');
      const badIndex = parts.findIndex((p) => !/^[0-9a-fA-F]{1,2}$/.test(p));
      if (badIndex !== -1) fail(`bad hex byte ${JSON.stringify(parts[badIndex])} (byte ${badIndex})`, lineNo, file, field);
      bytes = Uint8Array.from(parts.map((p) => parseInt(p, 16)));
    }
    return { name, value: hexToValue(typeNumber, bytes, format), line: lineNo };
  }
  return fail(`unrecognised value data ${JSON.stringify(data.slice(0, 40))}`, lineNo, file, field);
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
