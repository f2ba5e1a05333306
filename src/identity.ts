/**
 * The Windows identities whose proxy settings the sensor depends on (DESIGN.md "Identities").
 * The sensor service runs as LocalService, its updater as LocalSystem; the administrator who
 * configures the proxy is usually CurrentUser. Names are a stable contract.
 */
export const IDENTITIES = ['CurrentUser', 'LocalService', 'LocalSystem', 'NetworkService'] as const;
export type Identity = (typeof IDENTITIES)[number];

export interface IdentityInfo {
  identity: Identity;
  /** Registry root of the identity's user hive, as reg.exe names it. */
  hive: string;
  sid: string | null;
  /** Which ATP component runs as this identity, if any. */
  runs: string | null;
}

export const IDENTITY_INFO: Record<Identity, IdentityInfo> = {
  CurrentUser: { identity: 'CurrentUser', hive: 'HKCU', sid: null, runs: 'the administrator (browser tests)' },
  LocalService: { identity: 'LocalService', hive: 'HKU\\S-1-5-19', sid: 'S-1-5-19', runs: 'sensor service (AATPSensor)' },
  LocalSystem: { identity: 'LocalSystem', hive: 'HKU\\S-1-5-18', sid: 'S-1-5-18', runs: 'sensor updater service (AATPSensorUpdater)' },
  NetworkService: { identity: 'NetworkService', hive: 'HKU\\S-1-5-20', sid: 'S-1-5-20', runs: null },
};

/** Identities that have no interactive user, so they can never answer a proxy's credential challenge. */
export function canAnswerProxyChallenge(identity: Identity): boolean {
  return identity === 'CurrentUser';
}

export function parseIdentity(s: string): Identity | undefined {
  const lower = s.toLowerCase();
  return IDENTITIES.find((i) => i.toLowerCase() === lower || IDENTITY_INFO[i].sid?.toLowerCase() === lower);
}

/** Key path, relative to an identity's hive, of the WinINET connection settings. */
export const CONNECTIONS_SUBKEY = 'Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections';
