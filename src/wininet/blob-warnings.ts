/**
 * What is odd about a connection-settings value that still decodes. Errors and warnings
 * split along one line: an ERROR is a value no reader can take apart (truncated, a length
 * running past the end, a version below what .NET accepts); a WARNING is a value readers do
 * take apart but that Windows itself would not have written, so it most likely comes from a
 * damaged export, a hand edit or a fuzzer. A warning never changes what the value means to
 * us; it is shown on stderr and in `decode --json`, and proxy-copy refuses to copy a value
 * that has any unless `--force` (copying a damaged value to the service identities would
 * spread it where nobody looks).
 */
import {
  CONNECTION_FLAGS,
  WININET_TRAILER_BYTES,
  WININET_VERSION,
  WINHTTP_VERSIONS,
  type ConnectionSettings,
} from './connection-settings-blob.js';

/** Version DWORDs Windows writes for WinINET blobs: IE5's structure size (0x3c) and today's (0x46). */
export const WININET_KNOWN_VERSIONS: readonly number[] = [0x3c, WININET_VERSION];

/** Every flag bit any reader (.NET, Wine, WinINET) gives a meaning to. */
export const KNOWN_FLAG_BITS = CONNECTION_FLAGS.DIRECT | CONNECTION_FLAGS.PROXY | CONNECTION_FLAGS.AUTO_PROXY_URL | CONNECTION_FLAGS.AUTO_DETECT;

/**
 * Sizes beyond which a string is "huge". The PAC URL limit is INTERNET_MAX_URL_LENGTH (2083,
 * wininet.h); Internet Options caps the proxy box far below 2 KiB; bypass lists pushed by GPO
 * run to a few KiB, so they get more room. Real values are nowhere near these.
 */
export const HUGE_STRING_BYTES = { proxyServer: 2048, bypassList: 32_768, autoConfigUrl: 2083 } as const;

function controlCharacters(s: string): { index: number; code: number } | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return { index: i, code: c };
  }
  return undefined;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export function connectionSettingsWarnings(s: ConnectionSettings): string[] {
  const out: string[] = [];
  if (s.format === 'wininet') {
    if (!WININET_KNOWN_VERSIONS.includes(s.version)) {
      out.push(`version: ${hex(s.version)} is not a version Windows writes (0x3c, 0x46)${s.version > 0xffff ? '; an absurd structure size' : ''}`);
    }
    // Only 0x46 has a trailer length we have seen from Windows; IE5-era values vary.
    if (s.version === WININET_VERSION && s.trailer.length !== WININET_TRAILER_BYTES) {
      out.push(`trailer: ${s.trailer.length} bytes after the PAC URL; Windows writes ${WININET_TRAILER_BYTES}`);
    }
  } else {
    if (!WINHTTP_VERSIONS.includes(s.version)) out.push(`version: ${hex(s.version)} is not a WinHTTP version (0x18, 0x28)`);
    if (s.trailer.length !== 0) out.push(`trailer: ${s.trailer.length} bytes after the bypass list; WinHTTP values end there`);
  }
  const unknown = (s.flags & ~KNOWN_FLAG_BITS) >>> 0;
  if (unknown !== 0) out.push(`flags: unknown bits ${hex(unknown)} set (known: 0x1 DIRECT, 0x2 PROXY, 0x4 AUTO_PROXY_URL, 0x8 AUTO_DETECT)`);
  const strings: [keyof typeof HUGE_STRING_BYTES, string][] = [
    ['proxyServer', s.proxyServer],
    ['bypassList', s.bypassList],
    ...(s.format === 'wininet' ? ([['autoConfigUrl', s.autoConfigUrl]] as [keyof typeof HUGE_STRING_BYTES, string][]) : []),
  ];
  for (const [field, value] of strings) {
    const ctl = controlCharacters(value);
    if (ctl) out.push(`${field}: control character ${hex(ctl.code)} at index ${ctl.index}`);
    if (value.length > HUGE_STRING_BYTES[field]) out.push(`${field}: ${value.length} bytes long (more than ${HUGE_STRING_BYTES[field]}); no real setting is that long`);
  }
  return out;
}
