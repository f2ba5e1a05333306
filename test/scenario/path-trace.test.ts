import { describe, expect, it } from 'vitest';
import type { LabDefinition } from '../../src/lab/lab-definition.js';
import { compileNetworkPlan } from '../../src/lab/lab-plan.js';
import type { ProbeOutcome } from '../../src/probe/outcome.js';
import { describePath } from '../../src/scenario/path-trace.js';

const labDef: LabDefinition = {
  domain: 'contoso.example',
  cloud: { hosts: [] },
  proxies: [{ name: 'branch', upstream: 'hq' }, { name: 'hq', upstream: 'inspector' }],
  middleboxes: [{ name: 'inspector', mode: 'intercept', hostTrustsCa: true }],
  transparentProxy: { middlebox: 'inspector' },
  firewall: { default: 'allow', rules: [] },
};
const def = compileNetworkPlan(labDef);
const outcome = (o: Partial<ProbeOutcome>): ProbeOutcome => ({ reachable: false, step: 'tcp', code: 'TCP_TIMEOUT', inspected: false, route: 'DIRECT', detail: '', durationMs: 1, timings: {}, ...o });

describe('describePath', () => {
  it('follows a proxy chain to the middlebox and marks where it broke', () => {
    const hops = describePath(def, outcome({ step: 'http', code: 'INSPECTION_BREAKS_MUTUAL_AUTH', inspected: true, route: 'PROXY branch:8080' }), 'ws.atp.azure.com');
    expect(hops.map((h) => `${h.kind}:${h.label}`)).toEqual(['host:Windows host', 'firewall:egress firewall', 'proxy:branch', 'proxy:hq', 'middlebox:inspector', 'cloud:ws.atp.azure.com']);
    expect(hops.find((h) => !h.ok)).toMatchObject({ kind: 'middlebox', code: 'INSPECTION_BREAKS_MUTUAL_AUTH' });
  });
  it('puts a dropped connection at the firewall and a transparent inspection at its middlebox', () => {
    expect(describePath(def, outcome({}), 'h').find((h) => !h.ok)!.kind).toBe('firewall');
    const t = describePath(def, outcome({ route: 'TRANSPARENT', step: 'http', code: 'INSPECTION_BREAKS_MUTUAL_AUTH', inspected: true }), 'h');
    expect(t.map((h) => h.kind)).toEqual(['host', 'firewall', 'transparent', 'middlebox', 'cloud']);
    expect(t.find((h) => !h.ok)!.kind).toBe('middlebox');
  });
});

describe('describePath with the engine placement', () => {
  const endpoints = [
    { name: 'windows-host', address: '127.77.9.1', port: 0 },
    { name: 'branch', address: '127.77.9.3', port: 8080 },
    { name: 'hq', address: '127.77.9.4', port: 3128 },
    { name: 'inspector', address: '127.77.9.5', port: 8443 },
    { name: 'cloud:ws.atp.azure.com', address: '127.77.9.2', port: 443 },
  ];
  it('gives each hop the address it listens on and the port the path uses: the route\'s for the first proxy, the URL\'s for the cloud', () => {
    const hops = describePath(def, outcome({ reachable: true, step: 'http', code: 'OK', route: 'PROXY branch:9090' }), 'WS.atp.azure.com', { endpoints, targetPort: 443 });
    expect(hops.map((h) => [h.kind, h.address, h.port])).toEqual([
      ['host', '127.77.9.1', undefined],
      ['firewall', undefined, undefined],
      ['proxy', '127.77.9.3', 9090],
      ['proxy', '127.77.9.4', 3128],
      ['middlebox', '127.77.9.5', 8443],
      ['cloud', '127.77.9.2', 443],
    ]);
  });
  it('leaves a hop the engine did not place without an address (and no placement means no addresses)', () => {
    const hops = describePath(def, outcome({ route: 'DIRECT' }), 'elsewhere.example', { endpoints, targetPort: 443 });
    expect(hops.find((h) => h.kind === 'cloud')!.address).toBeUndefined();
    expect(describePath(def, outcome({}), 'ws.atp.azure.com').some((h) => h.address)).toBe(false);
  });
});
