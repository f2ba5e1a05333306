/**
 * Sans-IO: turn a scenario into the lab it needs (a LabDefinition) and the hosts it probes.
 */
import { isMdeGeo, MDE_GEOS, mdeConnectivityTestHosts, REVOCATION_2023, sensorApiHosts, type Edition } from '../catalog/index.js';
import { AtpNetlabError } from '../errors.js';
import type { LabDefinition } from '../lab/lab-definition.js';
import type { CloudHostDefinition } from '../lab/mock-cloud.js';
import type { HostSet } from './expectations.js';
import type { Scenario } from './schema.js';

export const DEFAULT_WORKSPACE = 'contosoATP';

export function scenarioHosts(s: Scenario): HostSet {
  const extraHosts = s.extraHosts.map((h) => h.toLowerCase());
  if (s.sensor === 'v3') {
    // v3 "uses the same URIs as Microsoft Defender for Endpoint" (deploy-sensor-v3.md): no sensorapi host.
    const geo = s.region ?? 'us';
    if (!isMdeGeo(geo)) throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', `sensor v3: region ${geo} has no modelled Defender for Endpoint geography (one of ${MDE_GEOS.join(', ')})`, { field: 'region' });
    const regional = mdeConnectivityTestHosts(geo);
    return { all: [...regional, ...extraHosts], workspace: [], regional, extra: extraHosts };
  }
  const editions: Edition[] = s.editions ?? (s.region ? ['seed-2018', 'workspace'] : ['workspace']);
  const { workspace, regional } = sensorApiHosts({ region: s.region, workspace: s.workspace ?? DEFAULT_WORKSPACE, cloud: s.cloud, editions });
  const extra = s.extraHosts.map((h) => h.toLowerCase());
  return { all: [...workspace, ...regional, ...extra], workspace, regional, extra };
}

export function scenarioLabDefinition(s: Scenario, hosts: HostSet): LabDefinition {
  const overrides = new Map((s.cloudEndpoints.endpoints ?? []).map((e) => [e.host.toLowerCase(), e]));
  const cloudHosts: CloudHostDefinition[] = [];
  for (const host of hosts.all) {
    const o = overrides.get(host);
    if (o?.absent) continue;
    cloudHosts.push({
      host,
      legacy: o?.legacy ?? (s.cloudEndpoints.legacy === true && hosts.workspace.includes(host)),
      ...(o?.certificate ? { certificate: o.certificate } : {}),
      ...(o?.clientCert ? { clientCert: o.clientCert } : {}),
      ...(o?.maxTlsVersion ? { maxTlsVersion: o.maxTlsVersion } : {}),
      ...(o?.fault ? { fault: o.fault } : {}),
      ...(o?.pingStatus ? { pingStatus: o.pingStatus } : {}),
      // A host clock ahead of the cloud's is a cloud Date behind the host's.
      ...(s.host.prerequisites?.clockSkewMs ? { dateOffsetMs: -s.host.prerequisites.clockSkewMs } : {}),
      ...(o?.pingAnswer ?? s.cloudEndpoints.pingAnswer ? { pingAnswer: o?.pingAnswer ?? s.cloudEndpoints.pingAnswer } : {}),
    });
  }
  const n = s.network;
  return {
    domain: n.domain,
    cloud: { hosts: cloudHosts },
    proxies: n.proxies,
    pacServers: s.revocation === 'off' ? n.pacServers : [...n.pacServers, revocationServer()],
    firewall: n.firewall,
    ...(n.dns ? { dns: n.dns } : {}),
    // The host's trust store is the single source of truth for "does the host trust the middlebox CA".
    middleboxes: n.middleboxes.map((m) => ({ ...m, hostTrustsCa: s.host.trust.includes('middlebox-ca') })),
    ...(n.transparentProxy ? { transparentProxy: n.transparentProxy } : {}),
    ...(s.faults.length ? { faults: s.faults } : {}),
  };
}

/** One lab web server answering for every revocation host (names from the catalogue). */
export function revocationServer(): { name: string; aliases: string[]; files: Record<string, string> } {
  return { name: 'revocation', aliases: [...new Set(REVOCATION_2023.map((e) => e.host))], files: { '/*': 'lab revocation data' } };
}
