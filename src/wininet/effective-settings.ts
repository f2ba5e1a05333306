/**
 * Which WinINET settings an identity really uses. With the machine policy
 * `ProxySettingsPerUser` = 0 ("Make proxy settings per-machine"), every identity, the
 * sensor's services included, uses the value under HKLM instead of its own hive: that is the
 * one setting that makes a proxy reach LocalService/LocalSystem without a proxy copy.
 */
import {
  decodeWinHttpSettings,
  decodeWinInetSettings,
  type WinHttpSettings,
  type WinInetSettings,
} from './connection-settings-blob.js';

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
  /** Settings WinINET uses for this identity; null when there is no value at all. */
  wininet: WinInetSettings | null;
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
      wininet: machine,
      winhttp,
      scope: 'machine',
      notes: [
        machine
          ? 'ProxySettingsPerUser=0: every identity uses the machine-wide (HKLM) WinINET settings'
          : 'ProxySettingsPerUser=0 but HKLM has no DefaultConnectionSettings: no WinINET proxy for any identity',
      ],
    };
  }
  return { wininet: asWinInet(input.perUser), winhttp, scope: 'per-user', notes: [] };
}
