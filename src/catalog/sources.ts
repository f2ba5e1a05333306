/**
 * Where the catalogue's facts come from: Microsoft's public pages in MicrosoftDocs/defender-docs
 * and Microsoft's DefenderForIdentity PowerShell module (and, for the middlebox's vendor
 * profiles, FortiGate's, Palo Alto's and Zscaler's public documentation), each with the commit of the stored copy
 * that was read and the page's own `ms.date`. Every catalogue entry, triage signature and host
 * prerequisite names one of these by key, so a reader can open exactly the text it models.
 *
 * `readOn` is the day the copy was read for this project. A fact the project could not find in
 * any readable source says so (`verified: false` where it is used) instead of citing one.
 */
export interface SourceRef {
  /** owner/name on GitHub, or a URL for pages outside a repository. */
  repo: string;
  path: string;
  /** The commit of the copy that was read. */
  commit: string;
  /** The page's own `ms.date` front-matter (MM/DD/YYYY as Microsoft writes it), when present. */
  msDate?: string;
  readOn: string;
  /** The section the fact is in. */
  section?: string;
}

const DOCS = 'MicrosoftDocs/defender-docs';
const READ_ON = '2026-12-02';
const VENDOR_READ_ON = '2026-12-04';

export const SOURCES = {
  mdiConfigureProxy: { repo: DOCS, path: 'defender-for-identity/deploy/configure-proxy.md', commit: '21d53b3c6fa60f8397f7589b57c08fa8d86eeefd', msDate: '06/15/2026', readOn: READ_ON },
  mdiTestConnectivity: { repo: DOCS, path: 'defender-for-identity/deploy/test-connectivity.md', commit: '0d48bc039158f869b5708be084961a4fa9e86f1d', msDate: '01/16/2024', readOn: READ_ON },
  mdiDeploySensorV3: { repo: DOCS, path: 'defender-for-identity/deploy/deploy-sensor-v3.md', commit: '00758298344be275e7bc70d4645d5d0838bb4cf9', msDate: '05/04/2026', readOn: READ_ON },
  mdiPrerequisitesV2: { repo: DOCS, path: 'defender-for-identity/deploy/prerequisites-sensor-version-2.md', commit: '022ea7fd68c33d28e76e4e4d1e54a699e59996dd', msDate: '06/18/2025', readOn: READ_ON },
  mdiPrerequisitesV3: { repo: DOCS, path: 'defender-for-identity/deploy/prerequisites-sensor-version-3.md', commit: '0038f6f73e97cd0b95156df5a9fe616d40a4d61e', msDate: '06/30/2025', readOn: READ_ON },
  mdiKnownIssues: { repo: DOCS, path: 'defender-for-identity/troubleshooting-known-issues.md', commit: '00758298344be275e7bc70d4645d5d0838bb4cf9', msDate: '02/04/2026', readOn: READ_ON },
  mdeConfigureProxy: { repo: DOCS, path: 'defender-endpoint/configure-proxy-internet.md', commit: '006b8a9fc08a5ddf851f292a593b271d24ee06f8', msDate: '07/01/2024', readOn: READ_ON },
  mdeStreamlined: { repo: DOCS, path: 'defender-endpoint/configure-device-connectivity.md', commit: '02ec0bbde9842fa31ecca165bf00d8183942db43', msDate: '09/29/2025', readOn: READ_ON },
  mdeStreamlinedUrls: { repo: DOCS, path: 'defender-endpoint/streamlined-device-connectivity-urls-commercial.md', commit: '086cc31641b2e857f720b4da10a6dbd3b77900fa', msDate: '10/16/2025', readOn: READ_ON },
  mdeStandardUrls: { repo: DOCS, path: 'defender-endpoint/standard-device-connectivity-urls-commercial.md', commit: '086cc31641b2e857f720b4da10a6dbd3b77900fa', msDate: '10/16/2025', readOn: READ_ON },
  mdeVerifyConnectivity: { repo: DOCS, path: 'defender-endpoint/verify-connectivity.md', commit: '0587a872054bbbe8cffeb44d1ddc28b5ad184694', msDate: '09/21/2024', readOn: READ_ON },
  /**
   * Microsoft's DefenderForIdentity module (MIT, Microsoft-signed), as republished in a public
   * repository; the copy read has Test-MDISensorApiConnection without `-SensorType`.
   */
  mdiPowerShellModule: { repo: 'FFFreak/defenderforidentity', path: 'DefenderForIdentity.psm1', commit: 'f8800bd28252905c689dfa43d60b51dab2b26d72', readOn: READ_ON },
  /**
   * Vendor documentation behind the middlebox's vendor profiles (src/lab/inspection-policy.ts),
   * public pages outside a repository: `repo` is the site, `path` the page.
   * FortiOS 6.4 CLI reference, config firewall ssl-ssh-profile → config https →
   * `set client-certificate [bypass|inspect|...]` (6.2 named it `client-cert-request`).
   */
  fortiosSslSshProfile: { repo: 'https://docs.fortinet.com', path: 'document/fortigate/6.4.16/cli-reference/116695140', commit: 'n/a', readOn: VENDOR_READ_ON, section: 'config firewall ssl-ssh-profile: config https: client-certificate' },
  /**
   * PAN-OS 10.1 admin guide, Local Decryption Exclusion Cache: with a decryption profile that
   * allows client authentication, "the firewall adds the application and server to the local
   * exclusion cache and allows the traffic"; entries age out after 12 hours.
   */
  panosExclusionCache: { repo: 'https://docs.paloaltonetworks.com', path: 'pan-os/10-1/pan-os-admin/decryption/decryption-exclusions/local-ssl-decryption-exclusion-cache', commit: 'n/a', readOn: VENDOR_READ_ON, section: 'Local Decryption Exclusion Cache' },
  /** ZIA, Deploying SSL Inspection: "Zscaler does not support the decryption of mutually authenticated TLS sessions" (bypass them). */
  zscalerDeploySslInspection: { repo: 'https://help.zscaler.com', path: 'zia/deploying-ssl-inspection', commit: 'n/a', readOn: VENDOR_READ_ON, section: 'best practices: global bypass list for client certificate authentication' },
  /** Zscaler, Certificate Pinning and SSL Inspection: a pinned client may end the handshake with a fatal "Unknown CA" alert, a FIN or a RST. */
  zscalerCertificatePinning: { repo: 'https://help.zscaler.com', path: 'unified/certificate-pinning-and-ssl-inspection', commit: 'n/a', readOn: VENDOR_READ_ON, section: 'Impacts of Certificate Pinning and SSL Inspection' },
  /** The 2018 seed and its English revisions (FACTS.md §1–§3). */
  facts: { repo: 'atp-netlab', path: 'shared/reference/FACTS.md', commit: 'n/a', readOn: READ_ON },
  /** Issue 14's own text, for facts no readable source confirmed. */
  issue14: { repo: 'atp-netlab', path: 'issues/14', commit: 'n/a', readOn: READ_ON },
} as const satisfies Record<string, SourceRef>;

export type SourceKey = keyof typeof SOURCES;

/** `repo/path@commit (ms.date …) § section`, the one-line citation used in text output. */
export function citeSourceRef(s: SourceRef & { section?: string }): string {
  const at = s.commit === 'n/a' ? '' : `@${s.commit.slice(0, 12)}`;
  return `${s.repo}/${s.path}${at}${s.msDate ? ` (ms.date ${s.msDate})` : ''}${s.section ? ` § ${s.section}` : ''}`;
}

export function citeSource(key: SourceKey, section?: string): string {
  return citeSourceRef({ ...SOURCES[key], ...(section ? { section } : {}) });
}
