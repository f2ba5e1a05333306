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
