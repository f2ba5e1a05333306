/**
 * Which WinINET settings an identity really uses. With the machine policy
 * `ProxySettingsPerUser` = 0 ("Make proxy settings per-machine"), every identity, the
 * sensor's services included, uses the value under HKLM instead of its own hive: that is the
 * one setting that makes a proxy reach LocalService/LocalSystem without a proxy copy.
 *
 * A profile with no `DefaultConnectionSettings` value is not "direct": it gets the Windows
 * default, "Automatically detect settings" (WPAD), falling back to direct when discovery
 * finds nothing (FACTS.md §4). .NET's reader (RegBlobWebProxyDataBuilder starts from
 * auto-detect) and Wine's WinHTTP (`WinHttpGetIEProxyConfigForCurrentUser` sets
 * `fAutoDetect = TRUE` before it looks for the value) agree; the Wine suite checks Wine's.
 * So a LocalService hive without a value, on a network that publishes WPAD, uses WPAD.
 */
import {
  CONNECTION_FLAGS,
  WININET_TRAILER_BYTES,
  WININET_VERSION,
  decodeWinHttpSettings,
  decodeWinInetSettings,
  type WinHttpSettings,
  type WinInetSettings,
} from './connection-settings-blob.js';

/** How routes and reports name the Windows default. */
export const NO_VALUE_NOTE = 'no value: Windows default, automatically detect';

/** The settings Windows applies when there is no value: auto-detect, else direct. */
export function windowsDefaultSettings(): WinInetSettings {
  return {
    format: 'wininet',
    version: WININET_VERSION,
    counter: 0,
    flags: CONNECTION_FLAGS.DIRECT | CONNECTION_FLAGS.AUTO_DETECT,
    proxyServer: '',
    bypassList: '',
    autoConfigUrl: '',
    trailer: new Uint8Array(WININET_TRAILER_BYTES),
  };
}

export type BlobInput<T> = Uint8Array | T | null | undefined;

export interface EffectiveSettingsInput {
  /** The identity's own `DefaultConnectionSettings` (HKCU or HKU\<sid>). */
  perUser: BlobInput<WinInetSettings>;
  /** `HKLM\...\Internet Settings\Connections\DefaultConnectionSettings`. */
  machine?: BlobInput<WinInetSettings>;
  /** `HKLM\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings\ProxySettingsPerUser`. */
  proxySettingsPerUser?: number | null;
  /** `HKLM\...\Internet Settings\Connections\WinHttpSettings`. */
  winhttp?: BlobInput<WinHttpSettings>;
}

/** What resolveRoute needs about one identity. */
export interface WinInetState {
  /**
   * Settings WinINET uses for this identity. effectiveSettings() fills in the Windows default
   * (windowsDefaultSettings) when there is no value and sets `noValue`; null, from callers that
   * build a state by hand, means the same.
   */
  wininet: WinInetSettings | null;
  /** True when `wininet` is the Windows default because the value is missing. */
  noValue?: boolean;
  /** The host's WinHTTP settings when known; only used to explain outcomes. */
  winhttp?: WinHttpSettings | null;
  /** Where `wininet` came from. */
  scope?: 'per-user' | 'machine';
  notes?: string[];
}

function asWinInet(v: BlobInput<WinInetSettings>): WinInetSettings | null {
  if (v === null || v === undefined) return null;
  return v instanceof Uint8Array ? decodeWinInetSettings(v) : v;
}

function asWinHttp(v: BlobInput<WinHttpSettings>): WinHttpSettings | null {
  if (v === null || v === undefined) return null;
  return v instanceof Uint8Array ? decodeWinHttpSettings(v) : v;
}

export function effectiveSettings(input: EffectiveSettingsInput): WinInetState {
  const winhttp = asWinHttp(input.winhttp);
  if (input.proxySettingsPerUser === 0) {
    const machine = asWinInet(input.machine);
    return {
      wininet: machine ?? windowsDefaultSettings(),
      ...(machine ? {} : { noValue: true }),
      winhttp,
      scope: 'machine',
      notes: [
        machine
          ? 'ProxySettingsPerUser=0: every identity uses the machine-wide (HKLM) WinINET settings'
          : `ProxySettingsPerUser=0 but HKLM has no DefaultConnectionSettings: every identity gets the Windows default (automatically detect, then direct)`,
      ],
    };
  }
  const perUser = asWinInet(input.perUser);
  return { wininet: perUser ?? windowsDefaultSettings(), ...(perUser ? {} : { noValue: true }), winhttp, scope: 'per-user', notes: [] };
}
