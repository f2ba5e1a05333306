/**
 * A scenario's `faults:` (issue 15): each fault validated by its type's own attributes, its
 * link checked against the scenario's components, every error at file:line: field, and the
 * plan saying in words what each fault does.
 */
import { describe, expect, it } from 'vitest';
import { AtpNetlabError } from '../../src/errors.js';
import { MAX_FAULTS } from '../../src/lab/faults/index.js';
import { compileNetworkPlan, explainNetworkPlan } from '../../src/lab/lab-plan.js';
import { parseScenarioText } from '../../src/scenario/load-scenario.js';
import { scenarioHosts, scenarioLabDefinition } from '../../src/scenario/scenario-lab.js';

const base = `name: sample
description: A sample scenario long enough to describe a real-world situation.
network:
  proxies:
    - name: corp-proxy
expect:
  - reachable: true
`;

function errorOf(text: string): AtpNetlabError {
  try {
    parseScenarioText(text, 'scenarios/x.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(AtpNetlabError);
    return e as AtpNetlabError;
  }
  throw new Error('expected an error');
}

describe('scenario faults', () => {
  it('fills defaults (downstream, toxicity 1) and shows each fault in the plan', () => {
    const s = parseScenarioText(`${base}faults:\n  - { type: latency, link: host->corp-proxy, latencyMs: 200, jitterMs: 40 }\n  - { type: reset_after_client_hello, link: host->proxy, toxicity: 0.25 }\n`, 'x.yaml');
    expect(s.faults[0]).toEqual({ type: 'latency', link: 'host->corp-proxy', direction: 'downstream', toxicity: 1, latencyMs: 200, jitterMs: 40 });
    expect(s.faults[1]).toMatchObject({ direction: 'upstream' });
    const plan = compileNetworkPlan(scenarioLabDefinition(s, scenarioHosts(s)));
    expect(plan.faults).toHaveLength(2);
    const text = explainNetworkPlan(plan);
    expect(text).toContain('Fault: latency on host->corp-proxy downstream: delays data by 200 ± 40 ms.');
    expect(text).toContain('Fault: reset_after_client_hello on host->proxy upstream: resets the connection right after the ClientHello (25% of connections).');
  });

  it('an attribute of another type, or a missing one, names its line and field', () => {
    const e = errorOf(`${base}faults:\n  - type: latency\n    link: host->proxy\n    latencyMs: 5\n    bytes: 5\n`);
    expect(e.location).toMatchObject({ file: 'scenarios/x.yaml', line: 12, field: 'faults.0.bytes' });
    const m = errorOf(`${base}faults:\n  - type: limit_data\n    link: host->proxy\n`);
    expect(m.location).toMatchObject({ line: 9, field: 'faults.0.bytes' });
  });

  it('an unknown type names its line', () => {
    const e = errorOf(`${base}faults:\n  - type: packet_loss\n    link: host->proxy\n`);
    expect(e.location).toMatchObject({ line: 9, field: 'faults.0.type' });
  });

  it('reset_after_client_hello only goes upstream', () => {
    const e = errorOf(`${base}faults:\n  - type: reset_after_client_hello\n    link: host->proxy\n    direction: downstream\n`);
    expect(e.location).toMatchObject({ line: 11, field: 'faults.0.direction' });
  });

  it('a link end that names nothing in the scenario is an input error at its line', () => {
    const e = errorOf(`${base}faults:\n  - type: reset_peer\n    link: host->squid-box\n`);
    expect(e.code).toBe('ATPNL_SCENARIO_INVALID');
    expect(e.location).toMatchObject({ line: 10, field: 'faults.0.link' });
    expect(e.message).toMatch(/"squid-box"/);
    expect(errorOf(`${base}faults:\n  - { type: reset_peer, link: "host to proxy" }\n`).location).toMatchObject({ field: 'faults.0.link' });
  });

  it('two faults of one name (default <type>_<direction>) are an input error at the second', () => {
    const e = errorOf(`${base}faults:\n  - { type: reset_peer, link: host->proxy }\n  - { type: reset_peer, link: proxy->cloud }\n`);
    expect(e.location).toMatchObject({ line: 10, field: 'faults.1.name' });
    expect(e.message).toMatch(/reset_peer_downstream is already/);
  });

  it(`holds at most ${MAX_FAULTS} faults`, () => {
    const many = Array.from({ length: MAX_FAULTS + 1 }, (_, i) => `  - { type: reset_peer, name: f${i}, link: "*->*" }`).join('\n');
    expect(errorOf(`${base}faults:\n${many}\n`).location).toMatchObject({ field: 'faults' });
    expect(parseScenarioText(`${base}faults:\n${many.split('\n').slice(1).join('\n')}\n`, 'x.yaml').faults).toHaveLength(MAX_FAULTS);
  });
});
