/**
 * A scenario compiled into the lab plan an engine runs, plus the expectation of each planned
 * check (which stays here: engines run checks, scenarios judge them).
 *
 *   scenario ─▶ hosts (catalogue) ─▶ LabDefinition ─▶ compileNetworkPlan
 *            ─▶ host registry (imports, blobs, proxy-copy steps, run for real) ─▶ hives
 *            ─▶ planChecks(expect) ─▶ LabPlan.checks + expectations
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { SENSOR_GENERATIONS } from '../catalog/index.js';
import { LAB_TIMEOUTS, compileNetworkPlan, type HostPlan, type LabPlan } from '../lab/lab-plan.js';
import { decodeRegBytes } from '../registry/reg-file-reader.js';
import type { ExpectedOutcome } from '../report/result-model.js';
import type { Identity } from '../identity.js';
import { planChecks } from './expectations.js';
import { buildHostRegistry } from './host-registry.js';
import type { LoadedScenario } from './load-scenario.js';
import { scenarioHosts, scenarioLabDefinition } from './scenario-lab.js';
import { scenarioSensorProxy } from './sensor-proxy.js';
import { splitPemCertificates } from '../pem-bundle.js';

export interface CompiledScenario {
  plan: LabPlan;
  /** The expectation of `plan.checks[i]`. */
  expectations: ExpectedOutcome[];
}

export async function compileScenario(loaded: LoadedScenario): Promise<CompiledScenario> {
  const s = loaded.scenario;
  const hosts = scenarioHosts(s);
  const network = compileNetworkPlan(scenarioLabDefinition(s, hosts));
  await using registry = await buildHostRegistry(s, loaded.file, { allowRoots: loaded.allowRoots ?? [] });
  const hives: Record<string, string> = {};
  for (const f of (await fs.readdir(registry.store.dir).catch(() => [] as string[])).filter((x) => x.endsWith('.reg')).sort()) {
    hives[f] = decodeRegBytes(await fs.readFile(path.join(registry.store.dir, f)));
  }
  const identities: HostPlan['identities'] = {};
  for (const [id, st] of Object.entries(s.host.identities) as [Identity, NonNullable<(typeof s.host.identities)[Identity]>][]) {
    identities[id] = { clientCert: st.clientCert ?? 'enrolled', ...(st.proxyCredentials ? { proxyCredentials: st.proxyCredentials } : {}) };
  }
  const planned = planChecks(s.expect, hosts);
  const sensorProxy = await scenarioSensorProxy(s, loaded.file, loaded.allowRoots ?? []);
  if (sensorProxy && s.sensor !== 'v2') registry.steps.push(`host.sensorConfiguration is ignored: sensor ${s.sensor} does not read SensorConfiguration.json's proxy`);
  const plan: LabPlan = {
    schema: 1,
    name: s.name,
    ...network,
    host: {
      ...(s.sensor !== 'v2-wininet' ? { sensor: s.sensor } : {}),
      ...(s.host.prerequisites
        ? {
            prerequisites: {
              updater: s.host.prerequisites.updater,
              updaterPortFirewall: s.host.prerequisites.updaterPortFirewall,
              dotnetTls: s.host.prerequisites.dotnetTls !== undefined,
              ...(s.host.prerequisites.machineRoots ? { machineRoots: s.host.prerequisites.machineRoots } : {}),
              cloud: s.cloud ?? (s.region === 'us-gcc-high' ? 'gcc-high' : 'commercial'),
            },
          }
        : {}), ...(sensorProxy ? { sensorProxy } : {}), hives, trust: s.host.trust, ...middleboxCaTrust(s), identities, revocation: s.revocation, timeouts: { ...LAB_TIMEOUTS, ...s.timeouts }, steps: registry.steps, ...(s.matrix ? { matrix: { ...s.matrix } } : {}) },
    checks: planned.map((p) => ({ identity: p.identity, host: p.host, url: `https://${p.host}${SENSOR_GENERATIONS[s.sensor].testPath}`, check: p.check, ...(p.method ? { method: p.method } : {}), ...(p.attempt ? { attempt: p.attempt } : {}) })),
    requires: { ...(s.requires?.engines ? { engines: s.requires.engines } : {}), ...(s.requires?.kinds ? { kinds: s.requires.kinds } : {}) },
  };
  return { plan, expectations: planned.map((p) => p.expected) };
}

/** The certificates `middlebox-ca` means when some middlebox signs with a customer's CA. */
function middleboxCaTrust(s: LoadedScenario['scenario']): Pick<HostPlan, 'middleboxCa'> {
  const boxes = s.network.middleboxes ?? [];
  if (!boxes.some((m) => m.inspectionCaPem)) return {};
  const customerPems = [...new Set(boxes.flatMap((m) => (m.inspectionCaPem ? splitPemCertificates(m.inspectionCaPem.certPem) : [])))];
  return { middleboxCa: { customerPems, lab: boxes.some((m) => !m.inspectionCaPem) } };
}

/** The plan as `atp-netlab plan --json` prints it: credentials never leave the process. */
export function redactPlan(plan: LabPlan): LabPlan {
  // The v2 sensor's user name is half of its credential (probe/sensor-config.ts): hidden too.
  const json = JSON.stringify(plan, (k, v: unknown) =>
    k === 'password' || k === 'keyPem' ? '***'
    : k === 'sensorProxy' && v && typeof v === 'object' && 'credentials' in v ? { ...v, credentials: { username: '***', password: '***' } }
    : v,
  );
  return JSON.parse(json) as LabPlan;
}
