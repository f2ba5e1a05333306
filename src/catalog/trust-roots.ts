/**
 * The roots the sensor's cloud chain ends at, per cloud, with fingerprints so a trust store can
 * be checked by identity rather than by name (a name can be forged by anyone; a fingerprint
 * cannot). Microsoft's page prints placeholder thumbprints ("AA11BB22…"), so the fingerprints
 * here are the published certificates' own; test/catalog/trust-roots.test.ts checks them against
 * the Mozilla store bundled with Node and the machine's /etc/ssl/certs, which nobody here wrote.
 */
import { X509Certificate } from 'node:crypto';
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
  /**
   * The public certificate itself, for the roots the sensor's chain ends at today. Windows
   * trusts them from its own store; the probe runs on Node, whose bundled Mozilla store need
   * not hold them: Node 24.22's no longer has DigiCert Global Root CA (measured), so without
   * this a GCC High probe on Node 24 would call the real cloud untrusted.
   */
  pem?: string;
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
    pem: [
      '-----BEGIN CERTIFICATE-----',
      'MIIDjjCCAnagAwIBAgIQAzrx5qcRqaC7KGSxHQn65TANBgkqhkiG9w0BAQsFADBh',
      'MQswCQYDVQQGEwJVUzEVMBMGA1UEChMMRGlnaUNlcnQgSW5jMRkwFwYDVQQLExB3',
      'd3cuZGlnaWNlcnQuY29tMSAwHgYDVQQDExdEaWdpQ2VydCBHbG9iYWwgUm9vdCBH',
      'MjAeFw0xMzA4MDExMjAwMDBaFw0zODAxMTUxMjAwMDBaMGExCzAJBgNVBAYTAlVT',
      'MRUwEwYDVQQKEwxEaWdpQ2VydCBJbmMxGTAXBgNVBAsTEHd3dy5kaWdpY2VydC5j',
      'b20xIDAeBgNVBAMTF0RpZ2lDZXJ0IEdsb2JhbCBSb290IEcyMIIBIjANBgkqhkiG',
      '9w0BAQEFAAOCAQ8AMIIBCgKCAQEAuzfNNNx7a8myaJCtSnX/RrohCgiN9RlUyfuI',
      '2/Ou8jqJkTx65qsGGmvPrC3oXgkkRLpimn7Wo6h+4FR1IAWsULecYxpsMNzaHxmx',
      '1x7e/dfgy5SDN67sH0NO3Xss0r0upS/kqbitOtSZpLYl6ZtrAGCSYP9PIUkY92eQ',
      'q2EGnI/yuum06ZIya7XzV+hdG82MHauVBJVJ8zUtluNJbd134/tJS7SsVQepj5Wz',
      'tCO7TG1F8PapspUwtP1MVYwnSlcUfIKdzXOS0xZKBgyMUNGPHgm+F6HmIcr9g+UQ',
      'vIOlCsRnKPZzFBQ9RnbDhxSJITRNrw9FDKZJobq7nMWxM4MphQIDAQABo0IwQDAP',
      'BgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBhjAdBgNVHQ4EFgQUTiJUIBiV',
      '5uNu5g/6+rkS7QYXjzkwDQYJKoZIhvcNAQELBQADggEBAGBnKJRvDkhj6zHd6mcY',
      '1Yl9PMWLSn/pvtsrF9+wX3N3KjITOYFnQoQj8kVnNeyIv/iPsGEMNKSuIEyExtv4',
      'NeF22d+mQrvHRAiGfzZ0JFrabA0UWTW98kndth/Jsw1HKj2ZL7tcu7XUIOGZX1NG',
      'Fdtom/DzMNU+MeKNhJ7jitralj41E6Vf8PlwUHBHQRFXGU7Aj64GxJUTFy8bJZ91',
      '8rGOmaFvE7FBcf6IKshPECBV1/MUReXgRPTqh5Uykw7+U0b6LJ3/iyK5S9kJRaTe',
      'pLiaWN0bfVKfjllDiIGknibVb63dDcY3fe0Dkhvld1927jyNxF1WW6LZZm6zNTfl',
      'MrY=',
      '-----END CERTIFICATE-----',
    ].join('\n'),
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
    pem: [
      '-----BEGIN CERTIFICATE-----',
      'MIIDrzCCApegAwIBAgIQCDvgVpBCRrGhdWrJWZHHSjANBgkqhkiG9w0BAQUFADBh',
      'MQswCQYDVQQGEwJVUzEVMBMGA1UEChMMRGlnaUNlcnQgSW5jMRkwFwYDVQQLExB3',
      'd3cuZGlnaWNlcnQuY29tMSAwHgYDVQQDExdEaWdpQ2VydCBHbG9iYWwgUm9vdCBD',
      'QTAeFw0wNjExMTAwMDAwMDBaFw0zMTExMTAwMDAwMDBaMGExCzAJBgNVBAYTAlVT',
      'MRUwEwYDVQQKEwxEaWdpQ2VydCBJbmMxGTAXBgNVBAsTEHd3dy5kaWdpY2VydC5j',
      'b20xIDAeBgNVBAMTF0RpZ2lDZXJ0IEdsb2JhbCBSb290IENBMIIBIjANBgkqhkiG',
      '9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4jvhEXLeqKTTo1eqUKKPC3eQyaKl7hLOllsB',
      'CSDMAZOnTjC3U/dDxGkAV53ijSLdhwZAAIEJzs4bg7/fzTtxRuLWZscFs3YnFo97',
      'nh6Vfe63SKMI2tavegw5BmV/Sl0fvBf4q77uKNd0f3p4mVmFaG5cIzJLv07A6Fpt',
      '43C/dxC//AH2hdmoRBBYMql1GNXRor5H4idq9Joz+EkIYIvUX7Q6hL+hqkpMfT7P',
      'T19sdl6gSzeRntwi5m3OFBqOasv+zbMUZBfHWymeMr/y7vrTC0LUq7dBMtoM1O/4',
      'gdW7jVg/tRvoSSiicNoxBN33shbyTApOB6jtSj1etX+jkMOvJwIDAQABo2MwYTAO',
      'BgNVHQ8BAf8EBAMCAYYwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHQ4EFgQUA95QNVbR',
      'TLtm8KPiGxvDl7I90VUwHwYDVR0jBBgwFoAUA95QNVbRTLtm8KPiGxvDl7I90VUw',
      'DQYJKoZIhvcNAQEFBQADggEBAMucN6pIExIK+t1EnE9SsPTfrgT1eXkIoyQY/Esr',
      'hMAtudXH/vTBH1jLuG2cenTnmCmrEbXjcKChzUyImZOMkXDiqw8cvpOp/2PV5Adg',
      '06O/nVsJ8dWO41P0jmP6P6fbtGbfYmbW0W5BjfIttep3Sp+dWOIrWcBAI+0tKIJF',
      'PnlUkiaY4IBIqDfv8NZ5YBberOgOzW6sRBc4L0na4UU+Krk2U886UAb3LujEV0ls',
      'YSEY1QSteDwsOoBrp+uvFRTp2InBuThs4pFsiv9kuXclVzDAGySj4dzp30d8tbQk',
      'CAUw7C29C79Fv1C5qfPrmAESrciIxpg0X40KPMbp1ZWVbd4=',
      '-----END CERTIFICATE-----',
    ].join('\n'),
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

/**
 * The anchors the real probe verifies the cloud against: Node's bundled store, plus each
 * current required root the bundle lacks (see `pem`), plus the user's own CA files.
 */
export function probeTrustAnchors(bundled: readonly string[], extraPems: readonly string[] = []): string[] {
  const present = new Set(bundled.map((p) => new X509Certificate(p).fingerprint256));
  const missing = TRUST_ROOTS.filter((r) => r.pem !== undefined && !r.retired && !present.has(r.sha256)).map((r) => r.pem!);
  return [...bundled, ...missing, ...extraPems];
}
