/**
 * The lab plan (sans-IO): slots never overlap, even at every cap at once; names and
 * references are checked before anything starts; the DNS table holds only lab components and
 * loopback literals.
 */
import { describe, expect, it } from 'vitest';
import { SCENARIO_CAPS } from '../../src/lab/kinds/definition-caps.js';
import type { LabDefinition } from '../../src/lab/lab-definition.js';
import { FIRST_COMPONENT_SLOT, LAST_COMPONENT_SLOT, compileNetworkPlan, isLoopbackLiteral } from '../../src/lab/lab-plan.js';

const base = (over: Partial<LabDefinition> = {}): LabDefinition => ({ domain: 'contoso.example', cloud: { hosts: [{ host: 'ws.atp.azure.com' }] }, proxies: [], firewall: { default: 'allow', rules: [] }, ...over });

describe('compileNetworkPlan', () => {
  it('gives every component its own slot, at every cap at once, inside the component range', () => {
    const plan = compileNetworkPlan(
      base({
        cloud: { hosts: Array.from({ length: SCENARIO_CAPS.cloudHosts }, (_, i) => ({ host: `h${i}.atp.azure.com` })) },
        proxies: Array.from({ length: SCENARIO_CAPS.proxies }, (_, i) => ({ name: `p${i}` })),
        middleboxes: Array.from({ length: SCENARIO_CAPS.middleboxes }, (_, i) => ({ name: `m${i}`, mode: 'none' as const })),
        pacServers: Array.from({ length: SCENARIO_CAPS.pacServers }, (_, i) => ({ name: `w${i}`, files: {} })),
        transparentProxy: {},
      }),
    );
    const slots = plan.components.map((c) => c.slot);
    expect(new Set(slots).size).toBe(slots.length);
    expect(Math.min(...slots)).toBe(FIRST_COMPONENT_SLOT);
    expect(Math.max(...slots)).toBeLessThanOrEqual(LAST_COMPONENT_SLOT);
    expect(plan.components).toHaveLength(SCENARIO_CAPS.cloudHosts + SCENARIO_CAPS.proxies + SCENARIO_CAPS.middleboxes + SCENARIO_CAPS.pacServers + 1);
  });

  it('refuses more components than slots, naming the limit', () => {
    const tooMany = base({ cloud: { hosts: Array.from({ length: 140 }, (_, i) => ({ host: `h${i}.example` })) }, pacServers: Array.from({ length: 120 }, (_, i) => ({ name: `w${i}`, files: {} })) });
    expect(() => compileNetworkPlan(tooMany)).toThrow(/at most 251 components/);
  });

  it('refuses duplicate names, unknown upstreams and loops before anything starts', () => {
    expect(() => compileNetworkPlan(base({ proxies: [{ name: 'a' }], middleboxes: [{ name: 'a', mode: 'none' }] }))).toThrow(/"a" is used twice/);
    expect(() => compileNetworkPlan(base({ proxies: [{ name: 'a', upstream: 'b' }] }))).toThrow(/unknown upstream "b"/);
    expect(() => compileNetworkPlan(base({ proxies: [{ name: 'a', upstream: 'b' }, { name: 'b', upstream: 'a' }] }))).toThrow(/loops: a → b → a/);
  });

  it('DNS records point at lab components or loopback literals only', () => {
    const plan = compileNetworkPlan(base({ proxies: [{ name: 'corp' }], dns: { records: { 'alias.contoso.example': 'corp', 'lo.contoso.example': '127.0.0.9' }, remove: ['corp'] } }));
    expect(plan.dns).toContainEqual({ name: 'alias.contoso.example', component: 'corp' });
    expect(plan.dns).toContainEqual({ name: 'lo.contoso.example', address: '127.0.0.9' });
    expect(plan.dns.find((n) => n.name === 'corp' || n.name === 'corp.contoso.example')).toBeUndefined();
    for (const bad of ['10.1.2.3', '127.0.0.256', 'example.com', '::ffff:1.2.3.4']) {
      expect(() => compileNetworkPlan(base({ dns: { records: { 'x.contoso.example': bad } } })), bad).toThrow(/not a lab component or a loopback address/);
    }
    expect(['127.0.0.1', '127.255.255.255', '::1'].every(isLoopbackLiteral)).toBe(true);
  });

  it('the plan is plain data: it survives JSON and names no address', () => {
    const plan = compileNetworkPlan(base({ proxies: [{ name: 'corp' }], transparentProxy: {} }));
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    expect(JSON.stringify(plan)).not.toMatch(/127\.77\./);
    expect(plan.diversions).toEqual([{ from: ['cloud:ws.atp.azure.com'], port: 443, to: 'transparent-proxy' }]);
  });
});
