/**
 * The known log and installer signatures, in ONE table. Each entry: what to look for in a log
 * record, the probable cause, the code(s) it corresponds to (probe codes from
 * src/probe/outcome.ts, or HOST-PREREQUISITE codes from src/probe/host/, to be joined later),
 * the remediation with its source, and the scenario that reproduces it, or the gap that keeps
 * the scenario schema from expressing it.
 *
 * Patterns are matched against one log *record* (a line that starts with a timestamp plus its
 * continuation lines, whitespace collapsed), because .NET exceptions span several lines.
 */
import type { SourceKey } from '../catalog/sources.js';
import type { HostPrerequisiteCode } from '../probe/host/host-prerequisite-codes.js';
import type { ProbeCode } from '../probe/outcome.js';

export type CodeRef = { kind: 'probe'; code: ProbeCode } | { kind: 'host'; code: HostPrerequisiteCode };

export interface Signature {
  id: string;
  title: string;
  /** The log(s) Microsoft shows it in; informational (every pattern is tried on every file). */
  seenIn: readonly ('sensor' | 'deployer' | 'updater' | 'installer')[];
  pattern: RegExp;
  cause: string;
  /** The first is the probable one; the others are what the probe would also report for it. */
  codes: readonly CodeRef[];
  remediation: string;
  source: SourceKey;
  section: string;
  /** A scenario under scenarios/ that reproduces it, or why none can yet. */
  reproduce: { scenario: string } | { gap: string };
  /** A refinement of the cause from the record's own text, when it tells more. */
  refine?: (record: string) => string | undefined;
}

const probe = (code: ProbeCode): CodeRef => ({ kind: 'probe', code });
const host = (code: HostPrerequisiteCode): CodeRef => ({ kind: 'host', code });

export const SIGNATURES: readonly Signature[] = [
  {
    id: 'licensing-proxy-auth',
    title: 'Sensor failed to register due to licensing issues',
    seenIn: ['deployer', 'installer'],
    pattern: /failed to register due to licensing issues|validateCreateSensorResult=LicenseInvalid|Shutting down, exit code: 0x642\b/i,
    cause: 'a proxy that wants authentication answers 401 or 403 instead of 407, and the sensor reads that as a licensing failure',
    codes: [probe('PROXY_AUTH_MISREPORTED'), probe('PROXY_DENIED')],
    remediation: 'ensure the sensor can browse to *.atp.azure.com through the configured proxy without authentication',
    source: 'mdiKnownIssues',
    section: 'Proxy authentication problem presents as a licensing error',
    reproduce: { scenario: 'proxy-auth-misreported.yaml' },
    refine: (r) => (/exit code: 0x642/i.test(r) ? 'exit code 0x642 (1602) alone only says the setup ended early; it points to licensing when LicenseInvalid precedes it' : undefined),
  },
  {
    id: 'missing-root',
    title: 'The sensor failed to connect to service',
    seenIn: ['deployer', 'installer'],
    pattern: /The sensor failed to connect to service/i,
    cause: 'the trusted root the cloud chain ends at is missing from the machine store (DigiCert Global Root G2 commercial, DigiCert Global Root CA GCC High)',
    codes: [host('HOST_ROOT_MISSING'), probe('TLS_UNTRUSTED_CERT')],
    remediation: 'verify Cert:\\LocalMachine\\Root holds the root; if not, download it from cacerts.digicert.com and Import-Certificate -CertStoreLocation Cert:\\LocalMachine\\Root',
    source: 'mdiKnownIssues',
    section: 'Proxy authentication problem presents as a connection error',
    reproduce: { scenario: 'host-missing-root.yaml' },
  },
  {
    id: 'two-way-ssl',
    title: 'ApplyInternal failed two way SSL connection to service',
    seenIn: ['sensor', 'installer'],
    pattern: /ApplyInternal failed two way SSL connection to service/i,
    cause: 'a proxy with SSL inspection breaks the mutual authentication, or .NET does not use TLS 1.2 because SystemDefaultTlsVersions / SchUseStrongCrypto are not 1',
    codes: [probe('INSPECTION_BREAKS_MUTUAL_AUTH'), host('HOST_DOTNET_TLS_VALUES'), probe('TLS_PROTOCOL_VERSION')],
    remediation: 'let sensor traffic pass without interception; set SystemDefaultTlsVersions and SchUseStrongCrypto to dword:1 under both HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319 and its WOW6432Node twin',
    source: 'mdiKnownIssues',
    section: 'ApplyInternal failed two way SSL connection to service error',
    reproduce: { scenario: 'inspection-intercept-no-mutual.yaml' },
    refine: (r) => (/SSL inspection/i.test(r) ? 'the record itself names SSL inspection as the likely cause' : undefined),
  },
  {
    id: 'updater-port-blocked',
    title: 'HttpRequestException: connected party did not properly respond',
    seenIn: ['sensor'],
    pattern: /HttpRequestException.*connected party did not properly respond/i,
    cause: 'the sensor cannot reach its updater on localhost TCP 444 (a host firewall policy blocks it), which looks like a cloud communication failure',
    codes: [host('HOST_UPDATER_PORT_BLOCKED'), probe('TCP_TIMEOUT')],
    remediation: 'make sure communication is not blocked for localhost, TCP port 444',
    source: 'mdiKnownIssues',
    section: 'Sensor failure communication error',
    reproduce: { scenario: 'host-updater-port-blocked.yaml' },
    refine: (r) => {
      const remote = /(?:^|[\s[=/])((?![0-9.]*127\.)(?!localhost)[a-z0-9-]+(?:\.[a-z0-9-]+)+):443\b/i.exec(r);
      return remote ? `the record names ${remote[1]}:443, a remote endpoint: a drop on the cloud path (TCP_TIMEOUT) is then as likely as localhost 444` : undefined;
    },
  },
  {
    id: 'msi-cannot-reach-cloud',
    title: 'MSI error 0x80070643: failed to install MSI package',
    seenIn: ['installer'],
    pattern: /Error 0x80070643: Failed to install MSI package/i,
    cause: 'the installer cannot reach the Defender for Identity cloud (*.atp.azure.com) to register the sensor, directly or through the configured proxy',
    codes: [probe('TCP_TIMEOUT'), probe('TCP_REFUSED'), probe('DNS_NOT_FOUND'), probe('PROXY_DENIED')],
    remediation: 'ensure the sensor can browse to *.atp.azure.com directly or through the configured proxy; if needed pass ProxyUrl= (ProxyUserName=, ProxyUserPassword=) to "Azure ATP sensor Setup.exe"',
    source: 'mdiKnownIssues',
    section: 'Sensor installation fails due to network connectivity issues',
    reproduce: { scenario: 'direct-blocked.yaml' },
  },
  {
    id: 'certenroll-blocked',
    title: 'CertEnroll NTE_BAD_ALGID while creating the sensor certificate',
    seenIn: ['deployer'],
    pattern: /CertEnroll::.*(?:NTE_BAD_ALGID|0x80090008)|IX509CertificateRequestCertificate2 Deployer failed.*0x80090008/i,
    cause: 'a certificate-management client (e.g. Entrust Entelligence Security Provider) prevents the installer from creating the sensor\'s self-signed certificate',
    codes: [host('HOST_CERT_ENROLL_BLOCKED')],
    remediation: 'uninstall the certificate management client, install the sensor, then reinstall the client (renewal every two years fails the same way)',
    source: 'mdiKnownIssues',
    section: 'Sensor installation fails due to certificate management client',
    reproduce: { gap: 'certificate enrolment on the host is not modelled by the lab (no CertEnroll or CSP in the scenario schema)' },
  },
];
