/**
 * `atp-netlab encode`: build a connection-settings value for an identity, as hex or as a .reg
 * fragment for that identity's hive.
 */
import { writeFile } from 'node:fs/promises';
import { Option } from 'commander';
import { AtpNetlabError } from '../../errors.js';
import { CONNECTIONS_SUBKEY, IDENTITIES, IDENTITY_INFO, parseIdentity, type Identity } from '../../identity.js';
import { normalizeKeyPath } from '../../registry/key-path.js';
import { encodeRegText, writeRegText } from '../../registry/reg-file-writer.js';
import { WINHTTP_VERSIONS, buildWinHttpSettings, encodeSettings, encodeWinHttpSettings } from '../../wininet/connection-settings-blob.js';
import { toHex } from '../../wininet/hex.js';
import { parseProxyString } from '../../wininet/proxy-string.js';
import type { RegisterCommand } from './index.js';

export interface EncodeOptions {
  proxy?: string;
  bypass?: string;
  pac?: string;
  autoDetect?: boolean;
  counter?: number;
  identity?: string;
  format?: string;
  /** Encode `WinHttpSettings` (HKLM) instead of a WinINET value. */
  winhttp?: boolean;
  /** WinHttpSettings version DWORD: 0x18 (older Windows, Wine) or 0x28 (current Windows, the default). */
  winhttpVersion?: number;
}

export interface EncodeOutput {
  /** What goes to stdout. */
  text: string;
  /** Bytes for --out: hex as text, .reg as regedit writes it (UTF-16LE). */
  fileBytes: Uint8Array;
  bytes: Uint8Array;
}

function usage(message: string, field?: string): AtpNetlabError {
  return new AtpNetlabError('ATPNL_USAGE', message, field ? { field } : {});
}

export function encodeCommand(opts: EncodeOptions): EncodeOutput {
  const format = opts.format ?? 'hex';
  if (format !== 'hex' && format !== 'reg') throw usage(`--format must be hex or reg, not ${JSON.stringify(format)}`, 'format');
  const identityText = opts.identity ?? 'CurrentUser';
  const identity: Identity | undefined = parseIdentity(identityText);
  if (!identity) throw usage(`unknown identity ${JSON.stringify(identityText)} (one of ${IDENTITIES.join(', ')}, or a SID)`, 'identity');
  if (opts.proxy !== undefined) {
    const parsed = parseProxyString(opts.proxy);
    const bad = parsed.issues.find((i) => !/socks/.test(i));
    if (bad) throw usage(bad, 'proxy');
    if (!parsed.all && parsed.perScheme.size === 0) throw usage('--proxy is empty', 'proxy');
  }
  if (opts.pac !== undefined && !URL.canParse(opts.pac)) throw usage(`--pac is not a URL: ${JSON.stringify(opts.pac)}`, 'pac');
  if (opts.counter !== undefined && (!Number.isInteger(opts.counter) || opts.counter < 0 || opts.counter > 0xffffffff)) {
    throw usage('--counter must be an integer from 0 to 4294967295', 'counter');
  }
  if (opts.winhttp && (opts.pac !== undefined || opts.autoDetect)) throw usage('WinHttpSettings has no PAC URL or auto-detect', 'winhttp');
  if (opts.winhttpVersion !== undefined && !opts.winhttp) throw usage('--winhttp-version needs --winhttp', 'winhttp-version');
  if (opts.winhttpVersion !== undefined && !WINHTTP_VERSIONS.includes(opts.winhttpVersion)) {
    throw usage(`--winhttp-version must be 0x18 or 0x28, not 0x${opts.winhttpVersion.toString(16)}`, 'winhttp-version');
  }

  const bytes = opts.winhttp
    ? encodeWinHttpSettings(
        buildWinHttpSettings({
          ...(opts.proxy !== undefined ? { proxy: opts.proxy } : {}),
          ...(opts.bypass !== undefined ? { bypass: opts.bypass } : {}),
          ...(opts.winhttpVersion !== undefined ? { version: opts.winhttpVersion } : {}),
        }),
      )
    : encodeSettings({
        ...(opts.proxy !== undefined ? { proxy: opts.proxy } : {}),
        ...(opts.bypass !== undefined ? { bypass: opts.bypass } : {}),
        ...(opts.pac !== undefined ? { pac: opts.pac } : {}),
        ...(opts.autoDetect ? { autoDetect: true } : {}),
        ...(opts.counter !== undefined ? { counter: opts.counter } : {}),
      });
  if (format === 'hex') {
    const text = `${toHex(bytes)}\n`;
    return { text, fileBytes: Buffer.from(text), bytes };
  }
  const key = normalizeKeyPath(opts.winhttp ? `HKLM\\${CONNECTIONS_SUBKEY}` : `${IDENTITY_INFO[identity].hive}\\${CONNECTIONS_SUBKEY}`);
  const name = opts.winhttp ? 'WinHttpSettings' : 'DefaultConnectionSettings';
  const reg = writeRegText({ format: 'regedit5', entries: [{ kind: 'key', path: key, values: [{ name, value: { type: 'REG_BINARY', data: bytes } }] }] });
  return { text: reg.replace(/\r\n/g, '\n'), fileBytes: encodeRegText(reg, 'regedit5'), bytes };
}

/** A number option as people write it: decimal or 0x hex (commander passes the previous value second). */
function parseNumber(v: string): number {
  const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw usage(`not a number: ${JSON.stringify(v)} (decimal or 0x hex)`);
  return n;
}

export const registerEncode: RegisterCommand = (program) => {
  program
    .command('encode')
    .description("build a DefaultConnectionSettings value (or WinHttpSettings) as hex or as a .reg fragment for an identity's hive")
    .option('--proxy <proxy>', 'proxy server string: host:port, or per scheme http=h:p;https=h:p')
    .option('--bypass <list>', 'bypass list, ;-separated, e.g. "<local>;*.contoso.com"')
    .option('--pac <url>', 'automatic configuration (PAC) URL')
    .option('--auto-detect', 'set "automatically detect settings" (WPAD)')
    .option('--counter <n>', 'change counter to store (default 1)', parseNumber)
    .option('--identity <identity>', `whose hive the .reg targets: ${IDENTITIES.join(', ')} or a SID`, 'CurrentUser')
    .addOption(new Option('--format <format>', 'output format').choices(['hex', 'reg']).default('hex'))
    .option('--winhttp', 'encode WinHttpSettings (HKLM) instead of DefaultConnectionSettings')
    .option('--winhttp-version <version>', 'WinHttpSettings version: 0x28 (current Windows, default) or 0x18 (older Windows, Wine)', parseNumber)
    .option('--out <file>', 'write to a file (.reg as UTF-16LE, as regedit writes) instead of stdout; - is stdout, with the file\'s bytes')
    .addHelpText(
      'after',
      '\nExamples:\n  $ atp-netlab encode --proxy proxy.contoso.com:8080 --bypass "<local>"\n  $ atp-netlab encode --proxy proxy.contoso.com:8080 --identity LocalService --format reg --out ls-proxy.reg\n' +
        '  $ atp-netlab encode --winhttp --proxy proxy.contoso.com:8080 --winhttp-version 0x18 --format reg',
    )
    .action(async (opts: EncodeOptions & { out?: string }) => {
      const result = encodeCommand(opts);
      if (opts.out && opts.out !== '-') await writeFile(opts.out, result.fileBytes);
      else if (opts.out === '-') process.stdout.write(result.fileBytes);
      else process.stdout.write(result.text);
    });
};
