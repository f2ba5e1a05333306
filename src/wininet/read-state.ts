/**
 * Reads what resolveRoute needs for one identity from a registry store (lab or live):
 * the identity's own value, the machine-wide value and policy, and WinHTTP's value.
 */
import { CONNECTIONS_SUBKEY, IDENTITY_INFO, type Identity } from '../identity.js';
import type { RegistryStore } from '../registry/registry-store.js';
import type { RegValue } from '../registry/value.js';
import { effectiveSettings, type WinInetState } from './effective-settings.js';

export const MACHINE_CONNECTIONS_KEY = `HKEY_LOCAL_MACHINE\\${CONNECTIONS_SUBKEY}`;
export const PROXY_POLICY_KEY = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\CurrentVersion\\Internet Settings';

export function identityConnectionsKey(identity: Identity): string {
  return `${IDENTITY_INFO[identity].hive}\\${CONNECTIONS_SUBKEY}`;
}

function bytesOf(v: RegValue | undefined): Uint8Array | null {
  return v && (v.type === 'REG_BINARY' || v.type === 'REG_NONE' || v.type === 'REG_UNKNOWN') ? v.data : null;
}

export async function readWinInetState(store: RegistryStore, identity: Identity): Promise<WinInetState> {
  const [perUser, machine, policy, winhttp] = await Promise.all([
    store.readValue(identityConnectionsKey(identity), 'DefaultConnectionSettings'),
    store.readValue(MACHINE_CONNECTIONS_KEY, 'DefaultConnectionSettings'),
    store.readValue(PROXY_POLICY_KEY, 'ProxySettingsPerUser'),
    store.readValue(MACHINE_CONNECTIONS_KEY, 'WinHttpSettings'),
  ]);
  return effectiveSettings({
    perUser: bytesOf(perUser),
    machine: bytesOf(machine),
    proxySettingsPerUser: policy?.type === 'REG_DWORD' ? policy.data : null,
    winhttp: bytesOf(winhttp),
  });
}
