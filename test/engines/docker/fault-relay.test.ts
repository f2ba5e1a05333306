/**
 * The docker engine's fault relay plan (no Docker needed): which (dialler, target) pairs get
 * a relay port, the DNAT rules each dialler's namespace gets, and the plans it refuses with a
 * reason naming the fault type and the engine, never silently.
 */
import { describe, expect, it } from 'vitest';
import { dockerEngine } from '../../../src/engines/docker/docker-engine.js';
import { faultRelayPlan, relayNatRules, relayUnsupported } from '../../../src/engines/docker/fault-relay.js';
import { HOST_SLOT } from '../../../src/lab/lab-plan.js';
import { compileScenario } from '../../../src/scenario/compile-plan.js';
import { loadScenarioFile, parseScenarioText } from '../../../src/scenario/load-scenario.js';

const address = (slot: number) => `10.213.7.${slot}`;
const planOf = async (file: string) => (await compileScenario(await loadScenarioFile(`scenarios/${file}.yaml`))).plan;

describe('docker fault relay plan', () => {
  it('no faults: no relay', async () => {
    expect(faultRelayPlan(await planOf('proxy-allowlist-ok'), address)).toBeUndefined();
  });

  it('host->proxy: one link, from the host to the proxy, its DNAT in the host namespace only', async () => {
    const plan = await planOf('fault-latency');
    const relay = faultRelayPlan(plan, address)!;
    const proxy = plan.components.find((c) => c.name === 'corp-proxy')!;
    expect(relay.slot).toBe(Math.max(...plan.components.map((c) => c.slot)) + 1);
    expect(relay.links).toEqual([{ fromSlot: HOST_SLOT, from: 'windows-host', to: 'corp-proxy', port: 40_000, target: { address: address(proxy.slot), port: 8080 }, faults: plan.faults }]);
    expect(relayNatRules(relay, HOST_SLOT)).toBe(
      `*nat\n-A OUTPUT -d ${address(proxy.slot)}/32 -p tcp --dport 8080 -m comment --comment "atp-netlab fault relay windows-host->corp-proxy" -j DNAT --to-destination ${relay.address}:40000\nCOMMIT\n`,
    );
    expect(relayNatRules(relay, proxy.slot)).toBe('*nat\nCOMMIT\n');
    expect(dockerEngine.unsupported(plan)).toBeUndefined();
  });

  it('proxy->middlebox: the proxy container dials the relay; the host does not', async () => {
    const plan = await planOf('fault-middlebox-reset');
    const relay = faultRelayPlan(plan, address)!;
    const proxy = plan.components.find((c) => c.name === 'corp-proxy')!;
    expect(relay.links.map((l) => [l.fromSlot, l.from, l.to])).toEqual([[proxy.slot, 'corp-proxy', 'inspector']]);
  });

  it('a wildcard link gets a relay port per pair it names', async () => {
    const plan = await planOf('inspection-splice-atp');
    const withFaults = { ...plan, faults: [{ type: 'latency', link: '*->cloud', direction: 'downstream' as const, toxicity: 1, latencyMs: 5, jitterMs: 0 }] };
    const relay = faultRelayPlan(withFaults, address)!;
    const clouds = plan.components.filter((c) => c.role === 'cloud').map((c) => c.name);
    // `*` names every dialler, the cloud endpoints too (a pair never links a component to itself).
    const expected = ['windows-host', ...plan.components.map((c) => c.name)].flatMap((from) => clouds.filter((to) => to !== from).map((to) => `${from}->${to}`));
    expect(relay.links.map((l) => `${l.from}->${l.to}`).sort()).toEqual(expected.sort());
    expect(new Set(relay.links.map((l) => l.port)).size).toBe(expected.length);
  });

  it('a fault on the host link to a transparent proxy is refused, naming the type and the engine', async () => {
    const s = parseScenarioText(
      `name: t
description: A transparent proxy with a fault on the host's link to it, which docker cannot relay.
workspace: contosoATP
network:
  transparentProxy: { name: tproxy }
faults:
  - { type: latency, link: host->tproxy, latencyMs: 50 }
  - { type: slicer, link: tproxy->cloud, averageSize: 10 }
expect:
  - reachable: true
`,
      't.yaml',
    );
    const { plan } = await compileScenario({ scenario: s, file: 't.yaml', dir: '.' });
    const why = relayUnsupported(plan);
    expect(why).toMatch(/^the docker engine cannot apply fault latency on host->tproxy: /);
    expect(dockerEngine.unsupported(plan)).toBe(why);
    // The transparent proxy's own link to the cloud is relayed.
    expect(relayUnsupported({ ...plan, faults: plan.faults!.filter((f) => f.type === 'slicer') })).toBeUndefined();
  });
});
