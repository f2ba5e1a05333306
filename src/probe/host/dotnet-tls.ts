/**
 * The .NET Framework TLS registry values Microsoft's known-issues page requires for the
 * sensor's TLS 1.2 (SystemDefaultTlsVersions and SchUseStrongCrypto = 1, both registry views).
 * Read-only, through the RegistryStore abstraction: the lab's file-backed registry in tests, a
 * live host's reg.exe on Windows.
 */
import type { RegistryStore } from '../../registry/registry-store.js';
import { failed, type HostCheckResult } from './host-prerequisite-codes.js';

export const DOTNET_TLS_KEYS = [
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Microsoft\\.NETFramework\\v4.0.30319',
] as const;
export const DOTNET_TLS_VALUES = ['SystemDefaultTlsVersions', 'SchUseStrongCrypto'] as const;

export interface DotNetTlsFinding {
  key: string;
  name: string;
  /** What is stored: `missing`, or the type and data. */
  found: string;
}

/** `keys`: the views to judge (a registry export may hold only one of them). */
export async function checkDotNetTlsValues(store: RegistryStore, keys: readonly string[] = DOTNET_TLS_KEYS): Promise<HostCheckResult & { findings: DotNetTlsFinding[] }> {
  const findings: DotNetTlsFinding[] = [];
  for (const key of keys) {
    for (const name of DOTNET_TLS_VALUES) {
      const v = await store.readValue(key, name);
      if (v === undefined) findings.push({ key, name, found: 'missing' });
      else if (v.type !== 'REG_DWORD') findings.push({ key, name, found: `${v.type} (not REG_DWORD)` });
      else if (v.data !== 1) findings.push({ key, name, found: `dword:${v.data.toString(16).padStart(8, '0')}` });
    }
  }
  if (findings.length === 0) return { check: 'dotnet-tls', status: 'ok', detail: `SystemDefaultTlsVersions and SchUseStrongCrypto are 1 in ${keys.length === DOTNET_TLS_KEYS.length ? 'both registry views' : keys.join(' and ')}`, findings };
  const detail = findings.map((f) => `${f.key}\\${f.name}: ${f.found}`).join('; ');
  return { ...failed('dotnet-tls', 'HOST_DOTNET_TLS_VALUES', detail), findings };
}
