/**
 * Reads one log file for triage, bounded: at most `maxBytes` are read (the rest is reported as
 * truncated, never silently dropped), each line is cut at `maxLineChars`, and lines are grouped
 * into records (a line that starts a log entry plus its continuation lines, at most
 * `maxRecordLines`). Sensor, deployer and updater logs are UTF-8 (NLog); MSI verbose logs are
 * often UTF-16LE with a BOM; both are detected.
 *
 *   bytes ──decode(BOM/NUL sniff)──▶ lines ──cut at maxLineChars──▶ records (start line, text)
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { AtpNetlabError } from '../errors.js';

export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_LINE_CHARS = 8192;
export const MAX_RECORD_LINES = 64;

export type LogKind = 'sensor' | 'updater' | 'deployer' | 'installer' | 'unknown';

export interface LogRecord {
  /** 1-based line number of the record's first line. */
  line: number;
  /** The first line as written (cut at the line cap). */
  firstLine: string;
  /** All lines of the record, whitespace collapsed, for matching. */
  text: string;
  level: 'error' | 'warn' | 'other';
}

export interface ReadLog {
  file: string;
  kind: LogKind;
  encoding: 'utf-8' | 'utf-16le';
  bytes: number;
  bytesRead: number;
  truncated: boolean;
  lines: number;
  longLines: number;
  records: LogRecord[];
}

export interface ReadLimits {
  maxBytes?: number;
  maxLineChars?: number;
}

/** From Microsoft's log names (troubleshooting-using-logs): sensor, updater, deployer; installer = setup/MSI logs. */
export function logKindOf(file: string): LogKind {
  const b = path.basename(file).toLowerCase();
  if (b.includes('deployer')) return 'deployer';
  if (b.includes('updater')) return 'updater';
  if (b.startsWith('microsoft.tri.sensor')) return 'sensor';
  if (b.includes('setup') || b.includes('msi') || b.startsWith('azure advanced threat protection sensor') || b.startsWith('azure atp sensor')) return 'installer';
  return 'unknown';
}

// A record starts with an NLog timestamp ("2021-01-19 03:45:00.0000 Error …"), a Burn prefix
// ("[1C60:1AA8][2018-03-24T23:59:13]i000: …") or an MSI verbose prefix ("MSI (s) (1C:20) [12:00:01:123]: …").
const RECORD_START = /^(?:\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}|\[[0-9A-F]{1,8}:[0-9A-F]{1,8}\]\[\d{4}-\d{2}-\d{2}T|MSI \([a-z]\) \(|Action (?:start|ended) \d)/i;
const ERROR_LEVEL = /^\d{4}-\d{2}-\d{2}[ T][\d:.]+\s+(Error|Fatal)\b|^\[[0-9A-F:]+\]\[[^\]]+\]e\d{3}:|\bReturn value 3\b/i;
const WARN_LEVEL = /^\d{4}-\d{2}-\d{2}[ T][\d:.]+\s+Warn\b|^\[[0-9A-F:]+\]\[[^\]]+\]w\d{3}:/i;

export async function readLog(file: string, limits: ReadLimits = {}): Promise<ReadLog> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new AtpNetlabError('ATPNL_TRIAGE_INPUT', 'not a regular file', { file });
    size = st.size;
  } catch (e) {
    if (e instanceof AtpNetlabError) throw e;
    throw new AtpNetlabError('ATPNL_FILE_NOT_FOUND', `cannot read: ${(e as Error).message}`, { file });
  }
  const toRead = Math.min(size, maxBytes);
  const buf = Buffer.alloc(toRead);
  const fh = await open(file, 'r');
  let bytesRead = 0;
  try {
    while (bytesRead < toRead) {
      const { bytesRead: n } = await fh.read(buf, bytesRead, toRead - bytesRead, bytesRead);
      if (n === 0) break;
      bytesRead += n;
    }
  } finally {
    await fh.close();
  }
  return parseLog(file, buf.subarray(0, bytesRead), size, limits);
}

/**
 * A log piped in (`-`): the same byte cap, read as it arrives. Past the cap it stops reading
 * and reports the log as truncated; `bytes` is then what had arrived, not the stream's length.
 */
export async function readLogStream(stream: AsyncIterable<Uint8Array> & { destroy?: () => void }, name: string, limits: ReadLimits = {}): Promise<ReadLog> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const chunks: Buffer[] = [];
  let kept = 0;
  let seen = 0;
  for await (const chunk of stream) {
    seen += chunk.byteLength;
    const room = maxBytes - kept;
    if (room > 0) {
      const part = Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(room, chunk.byteLength));
      chunks.push(part);
      kept += part.byteLength;
    }
    if (seen > maxBytes) {
      stream.destroy?.();
      break;
    }
  }
  return parseLog(name, Buffer.concat(chunks, kept), seen, limits);
}

function parseLog(file: string, bytes: Buffer, size: number, limits: ReadLimits): ReadLog {
  const maxLineChars = limits.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
  const bytesRead = bytes.byteLength;
  const { text, encoding } = decode(bytes, file);
  const rawLines = text.split(/\r\n|\n|\r/);
  if (rawLines.length && rawLines[rawLines.length - 1] === '') rawLines.pop();
  let longLines = 0;
  const records: LogRecord[] = [];
  let current: { line: number; firstLine: string; parts: string[] } | undefined;
  const flush = () => {
    if (!current) return;
    const first = current.firstLine;
    records.push({
      line: current.line,
      firstLine: first,
      text: current.parts.join(' ').replace(/\s+/g, ' ').trim(),
      level: ERROR_LEVEL.test(first) ? 'error' : WARN_LEVEL.test(first) ? 'warn' : 'other',
    });
    current = undefined;
  };
  rawLines.forEach((raw, i) => {
    let line = raw;
    if (line.length > maxLineChars) {
      longLines++;
      line = line.slice(0, maxLineChars);
    }
    const starts = RECORD_START.test(line);
    if (starts || !current || current.parts.length >= MAX_RECORD_LINES) {
      flush();
      current = { line: i + 1, firstLine: line, parts: [line] };
    } else {
      current.parts.push(line);
    }
  });
  flush();
  return { file, kind: logKindOf(file), encoding, bytes: size, bytesRead, truncated: bytesRead < size, lines: rawLines.length, longLines, records };
}

function decode(b: Buffer, file: string): { text: string; encoding: ReadLog['encoding'] } {
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return { text: b.subarray(2).toString('utf16le'), encoding: 'utf-16le' };
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return checkText(b.subarray(3).toString('utf8'), 'utf-8', file);
  // UTF-16LE without a BOM: ASCII text leaves every odd byte zero.
  const sample = b.subarray(0, Math.min(b.length, 4096));
  let oddZeros = 0;
  for (let i = 1; i < sample.length; i += 2) if (sample[i] === 0) oddZeros++;
  if (sample.length >= 8 && oddZeros > sample.length / 2 * 0.9) return checkText(b.toString('utf16le'), 'utf-16le', file);
  return checkText(b.toString('utf8'), 'utf-8', file);
}

function checkText(text: string, encoding: ReadLog['encoding'], file: string): { text: string; encoding: ReadLog['encoding'] } {
  const sample = text.slice(0, 65536);
  // eslint-disable-next-line no-control-regex
  const controls = (sample.match(/[\u0000-\u0008\u000e-\u001f]/g) ?? []).length;
  if (sample.length > 0 && controls > sample.length * 0.01) {
    throw new AtpNetlabError('ATPNL_TRIAGE_INPUT', `not a text log (${controls} control bytes in the first ${sample.length} characters)`, { file });
  }
  return { text, encoding };
}
