/** Sans-IO: every answer of the vendor inspection policy, from tables (no sockets). */
import { describe, expect, it } from 'vitest';
import { decideAfterProbe, decideOnClientHello, EXCLUSION_CACHE_TTL_MS, ExclusionCache, exclusionKey, onUpstreamClientCertRequest, type InspectionPolicy } from '../../src/lab/inspection-policy.js';

const HOST = 'contosoatpsensorapi.atp.azure.com';
const tls = (name = HOST, excluded = false) => ({ isTls: true, name, excluded });

describe('decideOnClientHello', () => {
  it.each<[string, InspectionPolicy, ReturnType<typeof tls> | { isTls: false; name: string; excluded: boolean }, string]>([
    ['not TLS is tunnelled', { mode: 'intercept', clientCertificate: 'block' }, { isTls: false, name: HOST, excluded: false }, 'tunnel'],
    ['mode none tunnels', { mode: 'none', exclusionCache: true }, tls(), 'tunnel'],
    ['default splice list catches *.atp.azure.com', { mode: 'splice' }, tls(), 'splice'],
    ['a host off the bypass list (Zscaler) is intercepted', { mode: 'splice', spliceHosts: ['*.partner.example'] }, tls(), 'intercept'],
    ['plain intercept intercepts', { mode: 'intercept' }, tls(), 'intercept'],
    ['an excluded server is spliced (Palo Alto)', { mode: 'intercept', exclusionCache: true }, tls(HOST, true), 'splice'],
    ['excluded means nothing without the cache', { mode: 'intercept' }, tls(HOST, true), 'intercept'],
    ['FortiGate probes first, whatever the action', { mode: 'intercept', clientCertificate: 'inspect' }, tls(), 'probe'],
    ['the bypass list wins over the probe', { mode: 'splice', clientCertificate: 'block' }, tls(), 'splice'],
  ])('%s', (_what, policy, hello, action) => {
    expect(decideOnClientHello(policy, hello).action).toBe(action);
  });
});

describe('decideAfterProbe (FortiGate client-certificate)', () => {
  it.each([
    ['bypass', true, 'splice'],
    ['block', true, 'block'],
    ['inspect', true, 'intercept'],
    ['bypass', false, 'intercept'],
    ['block', false, 'intercept'],
  ] as const)('client-certificate %s, server asked: %s → %s', (action, asked, expected) => {
    expect(decideAfterProbe({ mode: 'intercept', clientCertificate: action }, { serverRequestedClientCert: asked }).action).toBe(expected);
  });
});

describe('onUpstreamClientCertRequest and the exclusion cache (Palo Alto)', () => {
  it('fails and excludes with the cache, continues without it', () => {
    expect(onUpstreamClientCertRequest({ mode: 'intercept', exclusionCache: true }).action).toBe('fail-and-exclude');
    expect(onUpstreamClientCertRequest({ mode: 'intercept' }).action).toBe('continue');
  });

  it('entries age out after 12 hours, per name:port', () => {
    const c = new ExclusionCache();
    const t0 = 1_000_000;
    c.add(exclusionKey('Contoso.example', 443), t0);
    expect(c.has(exclusionKey('contoso.example', 443), t0 + 1)).toBe(true);
    expect(c.has(exclusionKey('contoso.example', 8443), t0 + 1)).toBe(false);
    expect(c.has(exclusionKey('contoso.example', 443), t0 + EXCLUSION_CACHE_TTL_MS - 1)).toBe(true);
    expect(c.has(exclusionKey('contoso.example', 443), t0 + EXCLUSION_CACHE_TTL_MS)).toBe(false);
    expect(c.size).toBe(0);
  });
});
