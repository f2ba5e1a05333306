/**
 * Codec for the WinINET connection-settings blob (`DefaultConnectionSettings`,
 * `SavedLegacySettings`) and its WinHTTP cousin (`WinHttpSettings`). See FACTS.md §4.
 *
 * The layout is undocumented, so the codec is deliberately lossless: every DWORD is kept as
 * read (unknown flag bits included), strings are kept byte-for-byte (latin1 maps each byte to
 * one code unit and back), and whatever follows the last string is kept as an opaque trailer.
 * Decoding then encoding an untouched value therefore gives identical bytes, which is what
 * lets proxy-copy verify its writes with a byte comparison.
 */
import { AtpNetlabError } from '../errors.js';

export const CONNECTION_FLAGS = {
  DIRECT: 0x1,
  PROXY: 0x2,
  AUTO_PROXY_URL: 0x4,
  AUTO_DETECT: 0x8,
} as const;
export type ConnectionFlagName = keyof typeof CONNECTION_FLAGS;

/** Structure size Windows (and Wine) write for WinINET blobs. */
export const WININET_VERSION = 0x46;
/** .NET's reader (IE 5.0 structure size) accepts anything from here up. */
export const WININET_MIN_VERSION = 60;
/**
 * `WinHttpSettings` version DWORDs. 0x18 is what Wine's WinHTTP (dlls/winhttp/session.c,
 * `WINHTTP_SETTINGS_MAGIC`) reads and writes and what `netsh winhttp reset proxy` left on
 * older Windows; current Windows builds (Windows 10/11, Server 2019+) write 0x28 after
 * `netsh winhttp set proxy` (issue 11, from field exports).
 *
 * The 0x28 layout: no Microsoft document describes either version. Every 0x28 value in the
 * public material we could find has the 0x18 field order: version, a zero DWORD, flags,
 * length-prefixed proxy string, length-prefixed bypass string (e.g. a public WinHTTP
 * registry builder's tests, found by searching GitHub code for `"WinHttpSettings"=hex:28`,
 * build `28000000 00000000 03000000 16000000 "http=192.168.5.45:3128" ...` and normalise a
 * 20-byte `28,00,00,00,00,00,00,00,03,00,...` direct value). We therefore decode 0x28 with the
 * 0x18 layout and keep anything after the bypass list as an opaque trailer, byte-exact, so a
 * layout difference we do not know of is preserved on re-encode and flagged by a warning
 * (`trailer` of unexpected length), not silently dropped. Wine 8 treats 0x28 as "no proxy"
 * (it accepts only 0x18); the Wine suite asserts that deviation.
 */
export const WINHTTP_VERSION = 0x18;
export const WINHTTP_VERSION_CURRENT = 0x28;
export const WINHTTP_VERSIONS: readonly number[] = [WINHTTP_VERSION, WINHTTP_VERSION_CURRENT];
/** Trailer length observed in real blobs written by Windows. */
export const WININET_TRAILER_BYTES = 32;

/** `netsh winhttp reset proxy` leaves exactly this value. */
export const DEFAULT_WINHTTP_SETTINGS: Uint8Array = Uint8Array.from([
  0x18, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
]);

export interface WinInetSettings {
  format: 'wininet';
  /** Structure size / version DWORD, as read. */
  version: number;
  /** Change counter; Windows increments it on every edit. */
  counter: number;
  /** Raw flags, unknown bits included. */
  flags: number;
  proxyServer: string;
  bypassList: string;
  autoConfigUrl: string;
  /** Bytes after the PAC URL, kept byte-exact. */
  trailer: Uint8Array;
}

export interface WinHttpSettings {
  format: 'winhttp';
  version: number;
  /** Second DWORD; 0 in every value seen, kept as read. */
  counter: number;
  flags: number;
  proxyServer: string;
  bypassList: string;
  /** Bytes after the bypass list (normally none), kept byte-exact. */
  trailer: Uint8Array;
}

export type ConnectionSettings = WinInetSettings | WinHttpSettings;

export function hasFlag(flags: number, name: ConnectionFlagName): boolean {
  return (flags & CONNECTION_FLAGS[name]) !== 0;
}

/** Names of the set flags, in bit order; unknown bits appear as `0x10` etc. so nothing is hidden. */
export function flagNames(flags: number): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    const mask = 2 ** bit;
    if (Math.floor(flags / mask) % 2 === 0) continue;
    const known = (Object.keys(CONNECTION_FLAGS) as ConnectionFlagName[]).find((k) => CONNECTION_FLAGS[k] === mask);
    names.push(known ?? `0x${mask.toString(16)}`);
  }
  return names;
}

class BlobReader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}

  dword(field: string): number {
    if (this.offset + 4 > this.buf.length) {
      throw new AtpNetlabError(
        'ATPNL_BLOB_TRUNCATED',
        `blob ends after ${this.buf.length} bytes, before the 4-byte ${field}`,
        { field, offset: this.offset },
      );
    }
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  lengthPrefixedString(field: string): string {
    const lengthOffset = this.offset;
    const length = this.dword(`${field}.length`);
    const remaining = this.buf.length - this.offset;
    if (length > remaining) {
      throw new AtpNetlabError(
        'ATPNL_BLOB_LENGTH',
        `${field} declares ${length} bytes but only ${remaining} remain`,
        { field, offset: lengthOffset },
      );
    }
    const s = this.buf.toString('latin1', this.offset, this.offset + length);
    this.offset += length;
    return s;
  }

  rest(): Uint8Array {
    const out = Uint8Array.from(this.buf.subarray(this.offset));
    this.offset = this.buf.length;
    return out;
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodeWinInetSettings(bytes: Uint8Array): WinInetSettings {
  const r = new BlobReader(asBuffer(bytes));
  const version = r.dword('version');
  if (version < WININET_MIN_VERSION) {
    throw new AtpNetlabError(
      'ATPNL_BLOB_VERSION',
      `unknown WinINET blob version 0x${version.toString(16)} (expected 0x46; accepted >= 0x3c)` +
        (WINHTTP_VERSIONS.includes(version) ? '; this looks like a WinHttpSettings value' : ''),
      { field: 'version', offset: 0 },
    );
  }
  const counter = r.dword('counter');
  const flags = r.dword('flags');
  const proxyServer = r.lengthPrefixedString('proxyServer');
  const bypassList = r.lengthPrefixedString('bypassList');
  const autoConfigUrl = r.lengthPrefixedString('autoConfigUrl');
  return { format: 'wininet', version, counter, flags, proxyServer, bypassList, autoConfigUrl, trailer: r.rest() };
}

export function decodeWinHttpSettings(bytes: Uint8Array): WinHttpSettings {
  const r = new BlobReader(asBuffer(bytes));
  const version = r.dword('version');
  if (!WINHTTP_VERSIONS.includes(version)) {
    throw new AtpNetlabError(
      'ATPNL_BLOB_VERSION',
      `unknown WinHTTP blob version 0x${version.toString(16)} (expected 0x18 or 0x28)`,
      { field: 'version', offset: 0 },
    );
  }
  const counter = r.dword('counter');
  const flags = r.dword('flags');
  const proxyServer = r.lengthPrefixedString('proxyServer');
  const bypassList = r.lengthPrefixedString('bypassList');
  return { format: 'winhttp', version, counter, flags, proxyServer, bypassList, trailer: r.rest() };
}

/**
 * Decodes by value name when known (`WinHttpSettings` is always WinHTTP), else by the
 * version DWORD, so hex pasted without a name still decodes.
 */
export function decodeConnectionSettings(bytes: Uint8Array, valueName?: string): ConnectionSettings {
  if (valueName !== undefined) {
    return valueName.toLowerCase() === 'winhttpsettings' ? decodeWinHttpSettings(bytes) : decodeWinInetSettings(bytes);
  }
  if (bytes.length >= 4 && WINHTTP_VERSIONS.includes(asBuffer(bytes).readUInt32LE(0))) return decodeWinHttpSettings(bytes);
  return decodeWinInetSettings(bytes);
}

function stringBytes(field: string, s: string): Buffer {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0xff) {
      throw new AtpNetlabError('ATPNL_BLOB_INPUT', `${field} has a character outside 8-bit range at index ${i}`, { field });
    }
  }
  return Buffer.from(s, 'latin1');
}

function dwordBytes(field: string, v: number): Buffer {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new AtpNetlabError('ATPNL_BLOB_INPUT', `${field} must be an unsigned 32-bit integer, got ${v}`, { field });
  }
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

function lengthPrefixed(field: string, s: string): Buffer[] {
  const b = stringBytes(field, s);
  return [dwordBytes(`${field}.length`, b.length), b];
}

/** Both formats: three DWORDs, then length-prefixed strings (WinHTTP has no PAC URL), then the trailer. */
function encodeLayout(s: WinInetSettings | WinHttpSettings): Uint8Array {
  const strings = s.format === 'wininet' ? ([['proxyServer', s.proxyServer], ['bypassList', s.bypassList], ['autoConfigUrl', s.autoConfigUrl]] as const) : ([['proxyServer', s.proxyServer], ['bypassList', s.bypassList]] as const);
  return Uint8Array.from(
    Buffer.concat([
      dwordBytes('version', s.version),
      dwordBytes('counter', s.counter),
      dwordBytes('flags', s.flags),
      ...strings.flatMap(([field, value]) => lengthPrefixed(field, value)),
      s.trailer,
    ]),
  );
}

export function encodeWinInetSettings(s: WinInetSettings): Uint8Array {
  return encodeLayout(s);
}

export function encodeWinHttpSettings(s: WinHttpSettings): Uint8Array {
  return encodeLayout(s);
}

export function encodeConnectionSettings(s: ConnectionSettings): Uint8Array {
  return s.format === 'wininet' ? encodeWinInetSettings(s) : encodeWinHttpSettings(s);
}

export interface SettingsInput {
  /** `host:port` or per-scheme `http=h:p;https=h:p`; enables the PROXY flag when non-empty. */
  proxy?: string;
  /** `;`-separated bypass list (may contain `<local>`). */
  bypass?: string;
  /** PAC URL; enables AUTO_PROXY_URL when non-empty. */
  pac?: string;
  /** Enables AUTO_DETECT (WPAD). */
  autoDetect?: boolean;
  /** Change counter; Windows starts low and counts edits, any value works for readers. */
  counter?: number;
}

/**
 * Settings as the Internet Options dialog would store them. DIRECT is always set because
 * Windows always sets it (0x01 = "no option ticked", 0x03 = proxy ticked); readers fall back
 * to it. The trailer is 32 zero bytes, the shape every Windows-written 0x46 blob has.
 */
export function buildWinInetSettings(input: SettingsInput): WinInetSettings {
  let flags = CONNECTION_FLAGS.DIRECT;
  if (input.proxy) flags |= CONNECTION_FLAGS.PROXY;
  if (input.pac) flags |= CONNECTION_FLAGS.AUTO_PROXY_URL;
  if (input.autoDetect) flags |= CONNECTION_FLAGS.AUTO_DETECT;
  return {
    format: 'wininet',
    version: WININET_VERSION,
    counter: input.counter ?? 1,
    flags,
    proxyServer: input.proxy ?? '',
    bypassList: input.bypass ?? '',
    autoConfigUrl: input.pac ?? '',
    trailer: new Uint8Array(WININET_TRAILER_BYTES),
  };
}

/** A realistic `DefaultConnectionSettings` value for the given settings. */
export function encodeSettings(input: SettingsInput): Uint8Array {
  return encodeWinInetSettings(buildWinInetSettings(input));
}

/**
 * A `WinHttpSettings` value as `netsh winhttp set proxy` would write it; `version` defaults to
 * what current Windows writes (0x28).
 */
export function buildWinHttpSettings(input: { proxy?: string; bypass?: string; version?: number }): WinHttpSettings {
  const version = input.version ?? WINHTTP_VERSION_CURRENT;
  if (!WINHTTP_VERSIONS.includes(version)) {
    throw new AtpNetlabError('ATPNL_BLOB_INPUT', `WinHttpSettings version must be 0x18 or 0x28, not 0x${version.toString(16)}`, { field: 'version' });
  }
  return {
    format: 'winhttp',
    version,
    counter: 0,
    flags: input.proxy ? CONNECTION_FLAGS.DIRECT | CONNECTION_FLAGS.PROXY : CONNECTION_FLAGS.DIRECT,
    proxyServer: input.proxy ?? '',
    bypassList: input.bypass ?? '',
    trailer: new Uint8Array(0),
  };
}
