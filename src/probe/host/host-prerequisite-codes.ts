/**
 * HOST-PREREQUISITE codes: conditions on the sensor's own host that look like cloud failures.
 * They are a separate catalogue from PROBE_CODES (src/probe/outcome.ts) for now; issue 14 joins
 * them into the probe's outcome model later (a `host` step before `route`). Each has a stable
 * code, a remediation in Microsoft's words and the source it comes from.
 */
import type { SourceKey } from '../../catalog/sources.js';

export interface HostPrerequisite {
  meaning: string;
  remediation: string;
  source: SourceKey;
  section: string;
}

export const HOST_PREREQUISITE_CODES = {
  HOST_UPDATER_PORT_BLOCKED: {
    meaning: 'the sensor cannot reach its updater on localhost TCP 444 (a host firewall policy drops it); the sensor logs a communication failure that looks like a cloud outage',
    remediation: 'make sure communication is not blocked for localhost, TCP port 444 (by default localhost-to-localhost traffic is allowed unless a custom firewall policy blocks it)',
    source: 'mdiKnownIssues',
    section: 'Sensor failure communication error',
  },
  HOST_UPDATER_NOT_LISTENING: {
    meaning: 'nothing listens on localhost TCP 444: the sensor updater service (AATPSensorUpdater) is not running',
    remediation: 'start the Azure Advanced Threat Protection Sensor Updater service (AATPSensorUpdater), which starts the sensor',
    source: 'mdiPowerShellModule',
    section: 'Start-MDISensor (Start-Service -Name AATPSensorUpdater)',
  },
  HOST_DOTNET_TLS_VALUES: {
    meaning: '.NET Framework does not use the system TLS defaults: SystemDefaultTlsVersions or SchUseStrongCrypto is not 1, so the sensor cannot agree TLS 1.2 ("ApplyInternal failed two way SSL connection to service")',
    remediation: 'set SystemDefaultTlsVersions and SchUseStrongCrypto to dword:00000001 under HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319 and HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\.NETFramework\\v4.0.30319',
    source: 'mdiKnownIssues',
    section: 'ApplyInternal failed two way SSL connection to service error',
  },
  HOST_ROOT_MISSING: {
    meaning: 'the machine root store lacks the root the cloud chain ends at (DigiCert Global Root G2 for commercial, DigiCert Global Root CA for GCC High): "The sensor failed to connect to service"',
    remediation: 'download the root from cacerts.digicert.com and Import-Certificate -CertStoreLocation Cert:\\LocalMachine\\Root',
    source: 'mdiKnownIssues',
    section: 'Proxy authentication problem presents as a connection error',
  },
  HOST_CLOCK_SKEW: {
    meaning: 'the host clock differs from the cloud\'s by more than five minutes',
    remediation: 'synchronise the time on the sensor servers and domain controllers to within five minutes of each other',
    source: 'mdiPrerequisitesV2',
    section: 'Sensor requirements and recommendations: Time synchronization',
  },
  HOST_CERT_ENROLL_BLOCKED: {
    meaning: 'a certificate-management client (e.g. Entrust Entelligence Security Provider) prevents the installer from creating the sensor\'s self-signed certificate (CertEnroll NTE_BAD_ALGID)',
    remediation: 'uninstall the certificate management client, install the sensor, then reinstall the client; the certificate renews every two years and renewal fails the same way',
    source: 'mdiKnownIssues',
    section: 'Sensor installation fails due to certificate management client',
  },
} as const satisfies Record<string, HostPrerequisite>;

export type HostPrerequisiteCode = keyof typeof HOST_PREREQUISITE_CODES;

export const HOST_CHECKS = ['updater-port', 'dotnet-tls', 'required-roots', 'clock-skew'] as const;
export type HostCheckName = (typeof HOST_CHECKS)[number];

/**
 * One host check's result. `indeterminate`: the evidence could not decide; `not-run`: the
 * check was not made (the detail says why). Neither is ever a pass.
 */
export interface HostCheckResult {
  check: HostCheckName;
  status: 'ok' | 'failed' | 'indeterminate' | 'not-run';
  code?: HostPrerequisiteCode;
  detail: string;
}

/**
 * Which identities each prerequisite breaks (the lab and the real probe share this): the
 * sensor service (LocalService) talks to the updater; the sensor and the updater (LocalSystem)
 * are .NET and judge the cloud's time; every identity needs the roots.
 */
export function hostCheckApplies(check: HostCheckName, identity: string): boolean {
  if (check === 'required-roots') return true;
  if (check === 'updater-port') return identity === 'LocalService';
  return identity === 'LocalService' || identity === 'LocalSystem';
}

export function failed(check: HostCheckResult['check'], code: HostPrerequisiteCode, detail: string): HostCheckResult {
  return { check, status: 'failed', code, detail };
}
