/**
 * The one validation step every command runs on a parsed scenario before any lab starts
 * (called by the loader, so `run`, `lab up`, `list` and `plan` all get it): the
 * cross-references a schema cannot express. Pure and linear in the scenario's size; the first
 * problem throws ATPNL_SCENARIO_INVALID with `file:line: field` and the bad value.
 *
 * What the lab (or an engine) would otherwise discover half-way through starting, it learns
 * here, as an input error (exit 2), not as a failed expectation (exit 1).
 */
import { AtpNetlabError, type ErrorLocation } from '../errors.js';
// The lab's own loopback guard: a record the lab would refuse is refused here first.
import { isLoopbackLiteral } from '../lab/lab-plan.js';
import { parseFaultDefinition, type LinkEnd, type PlannedFault } from '../lab/faults/index.js';
import { revocationServer, scenarioHosts } from './scenario-lab.js';
import { SCENARIO_CAPS, type Scenario } from './schema.js';

/** Where a field of the scenario sits in its file: path segments → file, line, dotted field. */
export type ScenarioLocator = (path: readonly (string | number)[]) => ErrorLocation;

/** Names the lab gives itself; a component may not take them. */
const RESERVED_NAMES = new Set(['windows-host']);
/** The lab's revocation web server (scenario-lab.ts revocationServer) when revocation is checked. */
const REVOCATION_SERVER = 'revocation';

function fail(message: string, at: ErrorLocation): never {
  throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', message, at);
}

export function validateScenario(s: Scenario, locate: ScenarioLocator): void {
  const n = s.network;
  // 1. component names: one namespace (they are DNS names in the lab)
  const names = new Map<string, string>();
  const claim = (name: string, path: (string | number)[]) => {
    const field = path.join('.');
    if (RESERVED_NAMES.has(name) || (name === REVOCATION_SERVER && s.revocation !== 'off')) {
      fail(`component name "${name}" is reserved by the lab${name === REVOCATION_SERVER ? ' (its revocation server, since revocation is checked)' : ''}`, locate(path));
    }
    const prev = names.get(name);
    if (prev !== undefined) fail(`component name "${name}" is already used by ${prev}`, locate(path));
    names.set(name, field);
  };
  n.proxies.forEach((p, i) => claim(p.name, ['network', 'proxies', i, 'name']));
  n.middleboxes.forEach((m, i) => claim(m.name, ['network', 'middleboxes', i, 'name']));
  n.pacServers.forEach((w, i) => claim(w.name, ['network', 'pacServers', i, 'name']));
  if (n.transparentProxy?.name !== undefined) claim(n.transparentProxy.name, ['network', 'transparentProxy', 'name']);

  // Vendor profiles and a customer CA are the built-in middlebox's: a real Squid or mitmdump would ignore them.
  n.middleboxes.forEach((m, i) => {
    if (!m.implementation || m.implementation === 'lab') return;
    for (const key of ['clientCertificate', 'exclusionCache', 'inspectionCa'] as const) {
      if (m[key] !== undefined) fail(`middlebox ${m.name}: ${key} is a setting of the built-in middlebox (implementation: lab), not of ${m.implementation}`, locate(['network', 'middleboxes', i, key]));
    }
  });

  // 2. proxy chains: upstreams exist, and following them ends (a real loop, not a duplicate)
  const proxyIndex = new Map(n.proxies.map((p, i) => [p.name, i]));
  const middleboxNames = new Set(n.middleboxes.map((m) => m.name));
  n.proxies.forEach((p, i) => {
    if (p.upstream === undefined) return;
    if (!proxyIndex.has(p.upstream) && !middleboxNames.has(p.upstream)) {
      fail(`proxy ${p.name} chains to unknown upstream "${p.upstream}" (not a proxy or middlebox of this scenario)`, locate(['network', 'proxies', i, 'upstream']));
    }
  });
  // Each proxy has at most one upstream: a walk colouring visited proxies is linear overall.
  const done = new Set<string>();
  for (const [start, i] of proxyIndex) {
    const onPath = new Set<string>();
    let cur: string | undefined = start;
    while (cur !== undefined && proxyIndex.has(cur) && !done.has(cur)) {
      if (onPath.has(cur)) fail(`proxy chain loops: ${[...onPath, cur].join(' → ')}`, locate(['network', 'proxies', i, 'upstream']));
      onPath.add(cur);
      cur = n.proxies[proxyIndex.get(cur)!]!.upstream;
    }
    for (const p of onPath) done.add(p);
  }

  // 3. the transparent proxy's middlebox
  const t = n.transparentProxy;
  if (t?.middlebox !== undefined && !middleboxNames.has(t.middlebox)) {
    fail(`transparent proxy hands to unknown middlebox "${t.middlebox}"`, locate(['network', 'transparentProxy', 'middlebox']));
  }

  // 4. cloud hosts: within the cap, and what DNS records may point at
  const hosts = scenarioHosts(s);
  const absent = new Set((s.cloudEndpoints.endpoints ?? []).filter((e) => e.absent).map((e) => e.host.toLowerCase()));
  const cloudHosts = new Set(hosts.all.filter((h) => !absent.has(h)));
  if (cloudHosts.size > SCENARIO_CAPS.cloudHosts) {
    fail(`the lab would serve ${cloudHosts.size} cloud hosts; at most ${SCENARIO_CAPS.cloudHosts} (catalogue hosts + extraHosts)`, locate(['extraHosts']));
  }

  // 5. DNS records point at a lab component or a loopback literal: nothing leaves the machine
  for (const [name, target] of Object.entries(n.dns?.records ?? {})) {
    if (proxyIndex.has(target) || middleboxNames.has(target) || cloudHosts.has(target) || isLoopbackLiteral(target)) continue;
    fail(
      `DNS record ${name} → "${target}": not a lab proxy, middlebox or cloud host, nor a loopback address (the lab never sends traffic off this machine)`,
      locate(['network', 'dns', 'records', name]),
    );
  }

  // 6. faults sit on links whose ends name something in this lab
  if (s.faults.length) {
    const ends: LinkEnd[] = [
      ...n.proxies.map((p) => ({ name: p.name, role: 'proxy', type: p.implementation && p.implementation !== 'lab' ? p.implementation : 'forward-proxy' })),
      ...n.middleboxes.map((m) => ({ name: m.name, role: 'middlebox', type: m.implementation && m.implementation !== 'lab' ? m.implementation : 'middlebox' })),
      ...[...n.pacServers, ...(s.revocation === 'off' ? [] : [revocationServer()])].map((w) => ({ name: w.name, role: w.name === 'wpad' || w.name === 'revocation' ? w.name : 'pac', type: 'pac-server' })),
      ...(t ? [{ name: t.name ?? 'transparent-proxy', role: 'transparent-proxy', type: 'transparent-proxy' }] : []),
      ...[...cloudHosts].map((h) => ({ name: `cloud:${h}`, role: 'cloud', type: 'cloud-endpoint' })),
    ];
    // The lab's own check (lab/faults), with the error moved to the field's line.
    const seen: PlannedFault[] = [];
    s.faults.forEach((f, i) => {
      try {
        seen.push(parseFaultDefinition(f, ends, seen, `faults.${i}`));
      } catch (e) {
        const field = e instanceof AtpNetlabError ? e.location.field : undefined;
        if (!field) throw e;
        fail((e as Error).message, locate(field.split('.').map((x) => (/^\d+$/.test(x) ? Number(x) : x))));
      }
    });
  }
}
