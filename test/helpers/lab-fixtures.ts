/**
 * Shared test fixtures: one lab PKI per test process (cached on disk like the real one), and
 * the probe options a lab host would use.
 */
import { LabPki } from '../../src/pki/index.js';
import type { ProbeOptions } from '../../src/probe/check-url.js';
import type { NetTransport } from '../../src/transport.js';
import type { RouteResult, RouteHop } from '../../src/route.js';
import { TEST_CERTS_DIR } from './test-certs.js';

export { TEST_CERTS_DIR } from './test-certs.js';

let pki: Promise<LabPki> | undefined;
export function testPki(): Promise<LabPki> {
  pki ??= LabPki.load(TEST_CERTS_DIR);
  return pki;
}

export function labProbeOptions(p: LabPki, transport: NetTransport, over: Partial<ProbeOptions> = {}): ProbeOptions {
  return {
    identity: 'LocalService',
    transport,
    trustedCaPems: [p.trustedRoot.certPem],
    expected: { rootNames: ['atp-netlab Lab Cloud Root G2'] },
    clientCert: { certPem: p.clientCert.chainPem, keyPem: p.clientCert.keyPem },
    pingPath: '/tri/sensor/api/ping',
    authCheckPath: '/tri/sensor/api/lab/authenticated',
    checks: 'full',
    timeouts: { tcpMs: 200, proxyMs: 800, tlsMs: 1_000, httpMs: 800, totalMs: 3_000 },
    cloudMarkerHeader: 'x-atpnl-lab-cloud',
    ...over,
  };
}

export function route(...hops: RouteHop[]): RouteResult {
  return { failed: false, candidates: hops, source: 'scenario', notes: [] };
}
export const DIRECT: RouteHop = { kind: 'DIRECT' };
export const viaProxy = (host: string, port = 8080): RouteHop => ({ kind: 'PROXY', host, port });
