/**
 * Required endpoints of the ATP / Defender for Identity cloud, per edition of Microsoft's
 * guidance. Pure data and functions, no I/O. Each entry records the edition it comes from,
 * so a firewall team can tell an allowlist built from the 2018 seed from one built later.
 */
import { AtpNetlabError } from '../errors.js';

export type Edition = 'seed-2018' | 'table-2020' | 'workspace' | 'revocation-2023' | 'mde-streamlined' | 'mde-standard';
export const REGIONS = ['us', 'europe', 'asia', 'uk', 'us-gcc-high'] as const;
export type Region = (typeof REGIONS)[number];
export type Cloud = 'commercial' | 'gcc' | 'gcc-high';
/** `mde`: a Defender for Endpoint service the v3 sensor reaches through MDE's connectivity. */
export type EndpointRole = 'sensorapi' | 'console' | 'revocation' | 'mde';

export interface Endpoint {
  /** A host name, or a `*.domain` wildcard (MDE's streamlined set). */
  host: string;
  port: number;
  role: EndpointRole;
  edition: Edition;
  region?: Region;
  /** Path prefix when only part of the host is needed (revocation under www.microsoft.com). */
  path?: string;
  /** A representative URL to fetch when checking that the endpoint is reachable. */
  probeUrl?: string;
  note?: string;
}

const seed = (region: Region, hosts: string[], note?: string): Endpoint[] =>
  hosts.map((h) => ({ host: `${h}.atp.azure.com`, port: 443, role: 'sensorapi', edition: 'seed-2018', region, note }));
const table2020 = (region: Region, hosts: string[], domain = 'atp.azure.com'): Endpoint[] =>
  hosts.map((h) => ({ host: `${h}.${domain}`, port: 443, role: 'sensorapi', edition: 'table-2020', region }));

/** The seed's table (2018). The French edition labels the US row "FR", a mistranslation. */
export const SEED_2018: readonly Endpoint[] = [
  ...seed('us', ['triprd1wcusw1sensorapi', 'triprd1wcuswb1sensorapi', 'triprd1wcuse1sensorapi'], 'labelled "FR" in the French edition (mistranslation of US)'),
  ...seed('europe', ['triprd1wceun1sensorapi', 'triprd1wceuw1sensorapi']),
  ...seed('asia', ['triprd1wcasse1sensorapi']),
];

/** The July 2020 table (removed in 2021 in favour of the workspace name alone). */
export const TABLE_2020: readonly Endpoint[] = [
  ...table2020('us', ['triprd1wcusw2sensorapi', 'triprd1wcuswb3sensorapi', 'triprd1wcuse3sensorapi']),
  ...table2020('europe', ['triprd1wceun2sensorapi', 'triprd1wceuw3sensorapi']),
  ...table2020('asia', ['triprd1wcasse2sensorapi']),
  ...table2020('uk', ['triprd1wcuks2sensorapi']),
  ...table2020('us-gcc-high', ['triff1wcva2sensorapi'], 'atp.azure.us'),
];

/** Certificate revocation hosts an explicit allowlist must also allow (2023 guidance). */
export const REVOCATION_2023: readonly Endpoint[] = [
  { host: 'crl.microsoft.com', port: 80, role: 'revocation', edition: 'revocation-2023', probeUrl: 'http://crl.microsoft.com/pki/crl/products/MicRooCerAut2011_2011_03_22.crl' },
  { host: 'ctldl.windowsupdate.com', port: 80, role: 'revocation', edition: 'revocation-2023', probeUrl: 'http://ctldl.windowsupdate.com/msdownload/update/v3/static/trustedr/en/disallowedcertstl.cab' },
  { host: 'www.microsoft.com', port: 80, role: 'revocation', edition: 'revocation-2023', path: '/pkiops/*', probeUrl: 'http://www.microsoft.com/pkiops/crl/Microsoft%20Azure%20TLS%20Issuing%20CA%2001.crl' },
  { host: 'www.microsoft.com', port: 80, role: 'revocation', edition: 'revocation-2023', path: '/pki/*', probeUrl: 'http://www.microsoft.com/pki/certs/MicRooCerAut2011_2011_03_22.crt' },
];

const WORKSPACE_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

export function workspaceDomain(cloud: Cloud): string {
  return cloud === 'gcc-high' ? 'atp.azure.us' : cloud === 'gcc' ? 'gcc.atp.azure.com' : 'atp.azure.com';
}

/** `<ws>sensorapi.<domain>` (sensors) and `<ws>.atp.azure.com` (console, commercial only in the seed). */
export function workspaceEndpoints(workspace: string, cloud: Cloud = 'commercial'): Endpoint[] {
  // "sensorapi" is appended to the label, so the workspace must leave room for it (63-char labels).
  if (!WORKSPACE_RE.test(workspace) || workspace.length + 'sensorapi'.length > 63) {
    throw new AtpNetlabError('ATPNL_CATALOG_BAD_WORKSPACE', `workspace "${workspace}" is not a DNS label (letters, digits, hyphens; at most 54 characters)`, { field: 'workspace' });
  }
  const domain = workspaceDomain(cloud);
  return [
    { host: `${workspace}sensorapi.${domain}`.toLowerCase(), port: 443, role: 'sensorapi', edition: 'workspace' },
    { host: `${workspace}.${domain}`.toLowerCase(), port: 443, role: 'console', edition: 'workspace' },
  ];
}

export interface CatalogQuery {
  region?: Region;
  workspace?: string;
  cloud?: Cloud;
  editions?: Edition[];
  includeConsole?: boolean;
  includeRevocation?: boolean;
}

export function parseRegion(s: string): Region {
  const r = s.toLowerCase().replace(/[_ ]/g, '-');
  const alias: Record<string, Region> = { fr: 'us', gcc: 'us-gcc-high', 'gcc-high': 'us-gcc-high', eu: 'europe', apac: 'asia' };
  const region = (REGIONS as readonly string[]).includes(r) ? (r as Region) : alias[r];
  if (!region) {
    throw new AtpNetlabError('ATPNL_CATALOG_UNKNOWN_REGION', `unknown region "${s}" (expected one of ${REGIONS.join(', ')})`, { field: 'region' });
  }
  return region;
}

/** The allowlist for one deployment: regional hosts of the chosen editions, then the workspace's. */
export function requiredEndpoints(q: CatalogQuery): Endpoint[] {
  const editions = q.editions ?? ['seed-2018', 'table-2020', 'workspace'];
  const cloud = q.cloud ?? (q.region === 'us-gcc-high' ? 'gcc-high' : 'commercial');
  const out: Endpoint[] = [];
  const regional = [...(editions.includes('seed-2018') ? SEED_2018 : []), ...(editions.includes('table-2020') ? TABLE_2020 : [])];
  for (const e of regional) if (!q.region || e.region === q.region) out.push(e);
  if (q.workspace && editions.includes('workspace')) {
    for (const e of workspaceEndpoints(q.workspace, cloud)) if (e.role !== 'console' || (q.includeConsole ?? true)) out.push(e);
  }
  if (q.includeRevocation) out.push(...REVOCATION_2023);
  return dedupe(out);
}

function dedupe(list: Endpoint[]): Endpoint[] {
  const seen = new Set<string>();
  return list.filter((e) => {
    const k = `${e.host}:${e.port}${e.path ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The sensor's own hosts (no console, no revocation), split as scenarios and reports name them. */
export function sensorApiHosts(q: CatalogQuery): { workspace: string[]; regional: string[] } {
  const endpoints = requiredEndpoints({ ...q, includeConsole: false, includeRevocation: false }).filter((e) => e.role === 'sensorapi');
  return {
    workspace: endpoints.filter((e) => e.edition === 'workspace').map((e) => e.host),
    regional: endpoints.filter((e) => e.edition !== 'workspace').map((e) => e.host),
  };
}

export const PING_PATH = '/tri/sensor/api/ping';

export function pingUrl(host: string): string {
  return `https://${host}${PING_PATH}`;
}

/** Every host name the catalogue can produce for an ATP cloud, for lab DNS and wildcard rules. */
export function allCatalogHosts(): string[] {
  return dedupe([...SEED_2018, ...TABLE_2020]).map((e) => e.host);
}
