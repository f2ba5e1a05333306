/**
 * `atp-netlab decode <file.reg | hex>`: what a connection-settings value says, field by field.
 * A value no reader can take apart is an error (exit 2, naming the line and byte or field and
 * offset); one that decodes but that Windows would not have written gets warnings, on stderr
 * and in each value's `warnings` (see wininet/blob-warnings.ts and the README).
 */
import { existsSync } from 'node:fs';
import { Option } from 'commander';
import { AtpNetlabError } from '../../errors.js';
import { connectionSettingsWarnings } from '../../wininet/blob-warnings.js';
import { decodeConnectionSettings, flagNames, type ConnectionSettings } from '../../wininet/connection-settings-blob.js';
import { parseHex, toHex, toSpacedHex } from '../../wininet/hex.js';
import type { RegisterCommand } from './index.js';
import { formatHint, readInputFile, scanRegBytes, scanRegFile } from './reg-input.js';
import { STDIN } from '../../input/read-input.js';
import type { ConnectionValueScan } from '../../registry/connection-values.js';

/** One decoded value; the JSON contract of `decode --json` (DESIGN.md). */
export interface DecodedValue {
  key: string | null;
  value: string | null;
  format: 'wininet' | 'winhttp';
  version: number;
  counter: number;
  flags: number;
  flagNames: string[];
  proxyServer: string;
  bypassList: string;
  autoConfigUrl: string | null;
  trailerHex: string;
  byteLength: number;
  /** What is odd about the value; [] for values Windows writes. */
  warnings: string[];
}

export interface DecodeOutput {
  values: DecodedValue[];
  /** Near misses, and each value's warnings prefixed with its name, for stderr. */
  warnings: string[];
}

function toDecoded(key: string | null, value: string | null, s: ConnectionSettings, byteLength: number): DecodedValue {
  return {
    key,
    value,
    format: s.format,
    version: s.version,
    counter: s.counter,
    flags: s.flags,
    flagNames: flagNames(s.flags),
    proxyServer: s.proxyServer,
    bypassList: s.bypassList,
    autoConfigUrl: s.format === 'wininet' ? s.autoConfigUrl : null,
    trailerHex: toHex(s.trailer),
    byteLength,
    warnings: connectionSettingsWarnings(s),
  };
}

const HEX_LIKE = /^(hex(\([0-9a-f]+\))?:|0x)?[0-9a-f\s,\\]+$/i;

/** Decodes a .reg file (path) or a hex string. */
export async function decodeInput(input: string): Promise<DecodeOutput> {
  if (input === STDIN) return decodeStdin();
  if (!existsSync(input) && HEX_LIKE.test(input.trim())) return decodeHex(input);
  if (!existsSync(input)) {
    throw new AtpNetlabError('ATPNL_FILE_NOT_FOUND', `${input} is neither a readable file nor hex`, { file: input });
  }
  return decodeScan(await scanRegFile(input), input);
}

/** `decode -`: stdin holds a .reg export (any encoding regedit writes) or the value as hex. */
async function decodeStdin(): Promise<DecodeOutput> {
  const bytes = await readInputFile(STDIN);
  const text = bytes.toString('utf8');
  if (HEX_LIKE.test(text.trim()) && text.trim() !== '') return decodeHex(text);
  return decodeScan(scanRegBytes(bytes, '(stdin)'), '(stdin)');
}

function decodeHex(text: string): DecodeOutput {
  const bytes = parseHex(text);
  const value = toDecoded(null, null, decodeConnectionSettings(bytes), bytes.length);
  return { values: [value], warnings: value.warnings };
}

function decodeScan(scan: ConnectionValueScan, input: string): DecodeOutput {
  const values = scan.values.map((v) => {
    try {
      return toDecoded(v.key, v.name, decodeConnectionSettings(v.bytes, v.name), v.bytes.length);
    } catch (e) {
      if (e instanceof AtpNetlabError) {
        throw new AtpNetlabError(e.code, `${v.name}: ${e.message}`, { file: input, ...(v.line !== undefined ? { line: v.line } : {}), ...e.location }, { cause: e });
      }
      throw e;
    }
  });
  return {
    values,
    warnings: [...scan.hints.map(formatHint), ...values.flatMap((v) => v.warnings.map((w) => `${v.key}\\${v.value}: ${w}`))],
  };
}

export function renderDecodeTable(values: DecodedValue[]): string {
  const out: string[] = [];
  for (const v of values) {
    out.push(`${v.key ?? '(hex input)'}${v.value ? `\n  ${v.value}` : ''} [${v.format}, ${v.byteLength} bytes]`);
    const rows: [string, string][] = [
      ['version', `0x${v.version.toString(16)}`],
      ['counter', String(v.counter)],
      ['flags', `0x${v.flags.toString(16)} ${v.flagNames.join('|')}`],
      ['proxyServer', JSON.stringify(v.proxyServer)],
      ['bypassList', JSON.stringify(v.bypassList)],
    ];
    if (v.autoConfigUrl !== null) rows.push(['autoConfigUrl', JSON.stringify(v.autoConfigUrl)]);
    rows.push(['trailer', v.trailerHex ? `${toSpacedHex(Buffer.from(v.trailerHex, 'hex'))} (${v.trailerHex.length / 2} bytes)` : '(none)']);
    for (const w of v.warnings) rows.push(['warning', w]);
    for (const [k, val] of rows) out.push(`    ${k.padEnd(14)} ${val}`);
    out.push('');
  }
  return out.join('\n');
}

export const registerDecode: RegisterCommand = (program) => {
  program
    .command('decode')
    .description('decode connection-settings values (DefaultConnectionSettings, SavedLegacySettings, WinHttpSettings) from a .reg file or hex')
    .argument('<input>', '.reg file (regedit export, any encoding), the value as hex (spaces/commas allowed), or - for either on stdin')
    .addOption(new Option('--json', 'print a JSON array of {key, value, format, version, counter, flags, flagNames, proxyServer, bypassList, autoConfigUrl, trailerHex, byteLength, warnings}'))
    .addHelpText(
      'after',
      '\nExamples:\n  $ atp-netlab decode hkcu-connections.reg\n  $ atp-netlab decode "46 00 00 00 02 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00" --json\n' +
        '  $ atp-netlab decode 2800000000000000030000000a00000070726f78793a383038300000000000   # WinHttpSettings 0x28\n' +
        'Errors (exit 2): bad hex (one-digit byte, non-hex character, cut-off value: line and byte named), truncated value, a length past the end, an unknown version.\n' +
        'Warnings (stderr and "warnings" in --json, exit 0): unusual version, trailer length, unknown flag bits, control characters, huge strings.',
    )
    .action(async (input: string, opts: { json?: boolean }) => {
      const { values, warnings } = await decodeInput(input);
      for (const w of warnings) process.stderr.write(`atp-netlab: warning: ${w}\n`);
      process.stdout.write(opts.json ? `${JSON.stringify(values, null, 2)}\n` : renderDecodeTable(values));
    });
};
