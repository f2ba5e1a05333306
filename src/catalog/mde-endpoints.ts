/**
 * The endpoints the v3 sensor needs. v3 runs inside Defender for Endpoint (MDE) and "uses the
 * same URIs as Microsoft Defender for Endpoint" (deploy-sensor-v3.md § Network requirements),
 * so its allowlist is MDE's: either the streamlined set or the standard set, plus the
 * certificate-validation hosts on port 80 in both.
 *
 * Scope, said plainly: from the standard table only the rows of service "Microsoft Defender
 * for Endpoint" that are Required and marked for "Windows 10, 11; Server 2022, 2019, 2016
 * (Unified Agent)" are modelled, for the geographies US, EU and UK (the three MDE's client
 * analyzer tests by default, verify-connectivity.md). Other geographies, Defender Antivirus
 * rows and optional rows (live response, network scanner) are not.
 */
import type { Endpoint, Region } from './endpoints.js';
import { SOURCES, type SourceKey } from './sources.js';

export type MdeConnectivity = 'streamlined' | 'standard';
export const MDE_CONNECTIVITY: readonly MdeConnectivity[] = ['streamlined', 'standard'];
/** The MDE geographies modelled (a subset of the catalogue's regions). */
export const MDE_GEOS = ['us', 'europe', 'uk'] as const satisfies readonly Region[];
export type MdeGeo = (typeof MDE_GEOS)[number];

export interface MdeEndpoint extends Endpoint {
  source: SourceKey;
}

const crl = (source: SourceKey, edition: Endpoint['edition']): MdeEndpoint[] => [
  { host: 'crl.microsoft.com', port: 80, role: 'revocation', edition, source, probeUrl: 'http://crl.microsoft.com/pki/crl/products/MicRooCerAut2011_2011_03_22.crl' },
  { host: 'ctldl.windowsupdate.com', port: 80, role: 'revocation', edition, source },
  { host: 'www.microsoft.com', port: 80, role: 'revocation', edition, source, path: '/pkiops/*' },
  { host: 'www.microsoft.com', port: 80, role: 'revocation', edition, source, path: '/pki/*' },
];

/** Streamlined: one wildcard for the core services, plus certificate validation (commercial). */
export const MDE_STREAMLINED: readonly MdeEndpoint[] = [
  { host: '*.endpoint.security.microsoft.com', port: 443, role: 'mde', edition: 'mde-streamlined', source: 'mdeStreamlinedUrls', note: 'core Defender for Endpoint services (formerly MAPS, sample storage, AutoIR, command and control, cyber data)' },
  ...crl('mdeStreamlinedUrls', 'mde-streamlined'),
];

/** The US-government streamlined domain (configure-device-connectivity.md). */
export const MDE_STREAMLINED_GOV_HOST = '*.endpoint.security.microsoft.us';

const std = (region: MdeGeo, hosts: string[]): MdeEndpoint[] =>
  hosts.map((host) => ({ host, port: 443, role: 'mde', edition: 'mde-standard', region, source: 'mdeStandardUrls' }));

export const MDE_STANDARD: readonly MdeEndpoint[] = [
  ...crl('mdeStandardUrls', 'mde-standard'),
  { host: 'events.data.microsoft.com', port: 443, role: 'mde', edition: 'mde-standard', source: 'mdeStandardUrls', note: 'Connected User Experiences and Telemetry (all geographies)' },
  ...std('us', [
    'us-v20.events.data.microsoft.com',
    'winatp-gw-cus.microsoft.com', 'winatp-gw-eus.microsoft.com', 'winatp-gw-cus3.microsoft.com', 'winatp-gw-eus3.microsoft.com',
    'automatedirstrprdcus.blob.core.windows.net', 'automatedirstrprdeus.blob.core.windows.net', 'automatedirstrprdcus3.blob.core.windows.net', 'automatedirstrprdeus3.blob.core.windows.net',
    'ussus1eastprod.blob.core.windows.net', 'ussus2eastprod.blob.core.windows.net', 'ussus3eastprod.blob.core.windows.net', 'ussus4eastprod.blob.core.windows.net',
    'wsus1eastprod.blob.core.windows.net', 'wsus2eastprod.blob.core.windows.net',
    'ussus1westprod.blob.core.windows.net', 'ussus2westprod.blob.core.windows.net', 'ussus3westprod.blob.core.windows.net', 'ussus4westprod.blob.core.windows.net',
    'wsus1westprod.blob.core.windows.net', 'wsus2westprod.blob.core.windows.net',
  ]),
  ...std('europe', [
    'eu-v20.events.data.microsoft.com',
    'winatp-gw-neu.microsoft.com', 'winatp-gw-weu.microsoft.com', 'winatp-gw-neu3.microsoft.com', 'winatp-gw-weu3.microsoft.com',
    'automatedirstrprdneu.blob.core.windows.net', 'automatedirstrprdweu.blob.core.windows.net', 'automatedirstrprdneu3.blob.core.windows.net', 'automatedirstrprdweu3.blob.core.windows.net',
    'usseu1northprod.blob.core.windows.net', 'wseu1northprod.blob.core.windows.net',
  ]),
  ...std('uk', [
    'uk-v20.events.data.microsoft.com',
    'winatp-gw-uks.microsoft.com', 'winatp-gw-ukw.microsoft.com',
    'automatedirstrprduks.blob.core.windows.net', 'automatedirstrprdukw.blob.core.windows.net',
    'ussuk1southprod.blob.core.windows.net', 'wsuk1southprod.blob.core.windows.net', 'ussuk1westprod.blob.core.windows.net', 'wsuk1westprod.blob.core.windows.net',
  ]),
];

/** The v3 allowlist: one connectivity type; for `standard`, the common rows plus one geography (or all). */
export function mdeEndpoints(connectivity: MdeConnectivity, geo?: MdeGeo): MdeEndpoint[] {
  if (connectivity === 'streamlined') return [...MDE_STREAMLINED];
  return MDE_STANDARD.filter((e) => e.region === undefined || geo === undefined || e.region === geo);
}

export function isMdeGeo(region: string): region is MdeGeo {
  return (MDE_GEOS as readonly string[]).includes(region);
}

/** For documentation: every source the MDE tables cite. */
export const MDE_SOURCES = [SOURCES.mdeStreamlinedUrls, SOURCES.mdeStandardUrls, SOURCES.mdeStreamlined] as const;

/**
 * The hosts the lab and `probe --sensor v3` send v3's connectivity test (`/cnc/identity/api`)
 * to: the geography's command-and-control gateways (`winatp-gw-*`) of the standard set. Which
 * host Microsoft's own test calls is not written in any page read ("…/cnc/identity/api" in
 * issue 14); the gateways are the standard set's command-and-control rows, so the choice is
 * the project's, said here. The streamlined wildcard names no concrete host to probe.
 */
export function mdeConnectivityTestHosts(geo: MdeGeo): string[] {
  return MDE_STANDARD.filter((e) => e.region === geo && e.host.startsWith('winatp-gw-')).map((e) => e.host);
}
