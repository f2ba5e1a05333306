/**
 * .reg writer producing what regedit's own export produces, so that admins can diff our files
 * against theirs and import them unchanged: CRLF, a blank line after the header and after each
 * key, `hex:` lines wrapped at regedit's width, and regedit5 files as UTF-16LE with a BOM.
 */
import { AtpNetlabError } from '../errors.js';
import { REGEDIT4_HEADER, REGEDIT5_HEADER, type RegFile, type RegFileFormat } from './reg-file.js';
import { canEncodeCp1252, encodeCp1252 } from './cp1252.js';
import { REG_TYPE_NUMBERS, type RegValue } from './value.js';

/**
 * regedit (and Wine's regedit, which copies it) breaks a hex line once the text written so far,
 * counting the `"name"=hex:` prefix, reaches 77 columns after a comma; continuation lines start
 * with two spaces. Every full continuation line therefore holds 25 bytes.
 */
const HEX_WRAP_COLUMN = 77;

function hexList(prefix: string, bytes: Uint8Array): string {
  let out = prefix;
  let column = prefix.length;
  for (let i = 0; i < bytes.length; i++) {
    out += bytes[i]!.toString(16).padStart(2, '0');
    if (i === bytes.length - 1) break;
    out += ',';
    column += 3;
    if (column >= HEX_WRAP_COLUMN) {
      out += '\\\r\n  ';
      column = 2;
    }
  }
  return out;
}

function escapeString(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

function stringBytes(s: string, format: RegFileFormat): Uint8Array {
  return format === 'regedit5' ? Uint8Array.from(Buffer.from(s, 'utf16le')) : encodeCp1252(s);
}

function nameToken(name: string): string {
  return name === '' ? '@' : `"${escapeString(name)}"`;
}

export function formatValueLine(name: string, value: RegValue | null, format: RegFileFormat): string {
  const lhs = `${nameToken(name)}=`;
  if (value === null) return `${lhs}-`;
  switch (value.type) {
    case 'REG_SZ':
      if (value.data.includes('\0')) return hexList(`${lhs}hex(1):`, stringBytes(value.data + '\0', format));
      return `${lhs}"${escapeString(value.data)}"`;
    case 'REG_DWORD':
      return `${lhs}dword:${value.data.toString(16).padStart(8, '0')}`;
    case 'REG_BINARY':
      return hexList(`${lhs}hex:`, value.data);
    case 'REG_NONE':
      return hexList(`${lhs}hex(0):`, value.data);
    case 'REG_EXPAND_SZ':
      return hexList(`${lhs}hex(2):`, stringBytes(value.data + '\0', format));
    case 'REG_MULTI_SZ': {
      const joined = value.data.length === 0 ? '\0' : value.data.join('\0') + '\0\0';
      return hexList(`${lhs}hex(7):`, stringBytes(joined, format));
    }
    case 'REG_QWORD': {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(value.data);
      return hexList(`${lhs}hex(b):`, b);
    }
    case 'REG_UNKNOWN':
      if (value.typeNumber === REG_TYPE_NUMBERS.REG_BINARY) return hexList(`${lhs}hex:`, value.data);
      return hexList(`${lhs}hex(${value.typeNumber.toString(16)}):`, value.data);
  }
}

/** The file as text with CRLF line ends (no BOM; see encodeRegText for bytes). */
export function writeRegText(doc: RegFile): string {
  const lines: string[] = [doc.format === 'regedit5' ? REGEDIT5_HEADER : REGEDIT4_HEADER, ''];
  for (const e of doc.entries) {
    if (e.kind === 'deleteKey') {
      lines.push(`[-${e.path}]`, '');
      continue;
    }
    lines.push(`[${e.path}]`);
    for (const v of e.values) lines.push(formatValueLine(v.name, v.value, doc.format));
    lines.push('');
  }
  return lines.join('\r\n') + '\r\n';
}

/** Text → file bytes: regedit5 as UTF-16LE with BOM, regedit4 as ANSI (Windows-1252). */
export function encodeRegText(text: string, format: RegFileFormat): Uint8Array {
  if (format === 'regedit5') return Uint8Array.from(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
  for (let i = 0; i < text.length; i++) {
    if (!canEncodeCp1252(text[i]!)) {
      throw new AtpNetlabError('ATPNL_USAGE', `character U+${text.charCodeAt(i).toString(16)} cannot be written to a REGEDIT4 (ANSI) file`);
    }
  }
  return encodeCp1252(text);
}

export function writeRegFileBytes(doc: RegFile): Uint8Array {
  return encodeRegText(writeRegText(doc), doc.format);
}
