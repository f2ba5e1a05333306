/**
 * The roots the sensor's cloud chain ends at, per cloud, with fingerprints so a trust store can
 * be checked by identity rather than by name (a name can be forged by anyone; a fingerprint
 * cannot). Microsoft's page prints placeholder thumbprints ("AA11BB22…"), so the fingerprints
 * here are the published certificates' own; test/catalog/trust-roots.test.ts checks them against
 * the Mozilla store bundled with Node and the machine's /etc/ssl/certs, which nobody here wrote.
 */
import type { Cloud } from './endpoints.js';
import type { SourceKey } from './sources.js';

export interface TrustRoot {
  name: string;
  subject: string;
  /** SHA-256 of the DER certificate, upper-case hex with colons (as node:crypto X509Certificate prints it). */
  sha256: string;
  /** SHA-1 thumbprint, as Windows' certificate store shows it. */
  sha1: string;
  notAfter: string;
  /** Clouds whose sensor chain ends here; [] for a retired root kept so reports can name it. */
  clouds: readonly Cloud[];
  retired?: string;
  download?: string;
  source: SourceKey;
}

export const TRUST_ROOTS: readonly TrustRoot[] = [
  {
    name: 'DigiCert Global Root G2',
    subject: 'CN=DigiCert Global Root G2, OU=www.digicert.com, O=DigiCert Inc, C=US',
    sha256: 'CB:3C:CB:B7:60:31:E5:E0:13:8F:8D:D3:9A:23:F9:DE:47:FF:C3:5E:43:C1:14:4C:EA:27:D4:6A:5A:B1:CB:5F',
    sha1: 'DF:3C:24:F9:BF:D6:66:76:1B:26:80:73:FE:06:D1:CC:8D:4F:82:A4',
    notAfter: '2038-01-15T12:00:00Z',
    clouds: ['commercial', 'gcc'],
    download: 'https://cacerts.digicert.com/DigiCertGlobalRootG2.crt',
    source: 'mdiKnownIssues',
  },
  {
    name: 'DigiCert Global Root CA',
    subject: 'CN=DigiCert Global Root CA, OU=www.digicert.com, O=DigiCert Inc, C=US',
    sha256: '43:48:A0:E9:44:4C:78:CB:26:5E:05:8D:5E:89:44:B4:D8:4F:96:62:BD:26:DB:25:7F:89:34:A4:43:C7:01:61',
    sha1: 'A8:98:5D:3A:65:E5:E5:C4:B2:D7:D6:6D:40:C6:DD:2F:B1:9C:54:36',
    notAfter: '2031-11-10T00:00:00Z',
    clouds: ['gcc-high'],
    download: 'https://cacerts.digicert.com/DigiCertGlobalRootCA.crt',
    source: 'mdiKnownIssues',
  },
  {
    name: 'Baltimore CyberTrust Root',
    subject: 'CN=Baltimore CyberTrust Root, OU=CyberTrust, O=Baltimore, C=IE',
    sha256: '16:AF:57:A9:F6:76:B0:AB:12:60:95:AA:5E:BA:DE:F2:2A:B3:11:19:D6:44:AC:95:CD:4B:93:DB:F3:F2:6A:EB',
    sha1: 'D4:DE:20:D0:5E:66:FC:53:FE:1A:50:88:2C:78:DB:28:52:CA:E4:74',
    notAfter: '2025-05-12T23:59:00Z',
    clouds: [],
    retired: 'expired 2025-05-12; earlier guidance (FACTS.md §3) listed it beside DigiCert Global Root G2',
    source: 'facts',
  },
];

/** The roots a host must hold for a cloud (GCC uses the commercial chain). */
export function requiredRoots(cloud: Cloud): TrustRoot[] {
  return TRUST_ROOTS.filter((r) => r.clouds.includes(cloud));
}
