/**
 * The newer twins probed from outside (`lab up` + `probe`, no lab marker header) and checked
 * against what the real proxy wrote in its own log, not only the probe's view:
 *
 *   squid-block-page-after-bump    Squid bumped the CONNECT, then denied each GET (TCP_DENIED/403
 *                                  ERR_ATPNL_BLOCK); the probe says PROXY_DENIED, not mutual auth
 *   squid-auth-401 / -misreported  Squid logged TCP_DENIED/401 (403) ERR_CACHE_ACCESS_DENIED for
 *                                  the CONNECT; the probe says PROXY_AUTH_MISREPORTED
 *   mitmproxy-cloud-ca-untrusted   mitmproxy's flow log holds its upstream "Certificate verify
 *                                  failed"; the probe says INSPECTION_UPSTREAM_FAILED quoting it
 *
 * Skipped with the reason where Squid or mitmdump is missing or the lab maps privileged ports.
 */
import { describe, expect, it } from 'vitest';
import { startLabForScenario } from '../../src/cli/commands/lab-up.js';
import { probeCommand } from '../../src/cli/commands/probe.js';
import { inprocEngine, type StartedInprocLab } from '../../src/engines/inproc/inproc-engine.js';
import type { MitmproxyRecord } from '../../src/lab/mitmproxy-flow-log.js';
import type { SquidRecord } from '../../src/lab/squid-access-log.js';
import { TEST_CERTS_DIR } from '../helpers/test-certs.js';

const squidMissing = inprocEngine.unsupported({ components: [{ type: 'squid' }], requires: {} } as never);
const mitmMissing = inprocEngine.unsupported({ components: [{ type: 'mitmproxy' }], requires: {} } as never);
const WORKSPACE = 'contosoatpsensorapi.atp.azure.com';

async function settled<T>(read: () => readonly object[], done: (r: T[]) => boolean): Promise<T[]> {
  for (let i = 0; i < 60 && !done(read() as T[]); i++) await new Promise((r) => setTimeout(r, 50));
  return read() as T[];
}

describe.skipIf(squidMissing !== undefined)(`real Squid twins, from Squid's access log${squidMissing ? ` (skipped: ${squidMissing})` : ''}`, () => {
  it('block page after the bump: PROXY_DENIED from squid/5.7 quoting ERR_ATPNL_BLOCK, exit 1; Squid bumped the CONNECT and denied each GET, and no request reached the cloud', async () => {
    await using running = await startLabForScenario('scenarios/twins/squid-block-page-after-bump.yaml', { certs: TEST_CERTS_DIR });
    const out = await probeCommand({ ...running.probeOptions, identity: 'LocalService', timeoutMs: 8_000 });
    const check = out.report.checks.find((c) => c.host === WORKSPACE)!;
    expect(check.observed).toMatchObject({ reachable: false, step: 'http', code: 'PROXY_DENIED', inspected: true, httpStatus: 403, responder: { kind: 'middlebox', name: 'squid/5.7' } });
    expect(check.observed.detail).toContain('ERR_ATPNL_BLOCK');
    expect(check.observed.detail).not.toMatch(/mutual/i);
    expect(out.exitCode).toBe(1);
    const records = await settled<SquidRecord>(() => running.lab.records('inspector'), (r) => r.some((x) => x.method === 'GET') && r.some((x) => x.method === 'CONNECT'));
    expect(records.filter((r) => r.method === 'GET' && r.target === WORKSPACE)).toEqual([expect.objectContaining({ status: 403, result: 'TCP_DENIED', errCode: 'ERR_ATPNL_BLOCK', decision: 'denied' })]);
    expect(records.filter((r) => r.method === 'CONNECT' && r.target === WORKSPACE)).toEqual([expect.objectContaining({ status: 200, bumpMode: 'bump' })]);
    // Denied before forwarding: no request reached the cloud, and no failed handshake either.
    const { cloud } = running.lab as StartedInprocLab;
    expect(cloud.endpoints.length).toBeGreaterThan(0);
    expect(cloud.handshakeFailures, 'the cloud saw no handshake').toEqual([]);
    expect(cloud.records, 'the cloud saw no request').toEqual([]);
  }, 60_000);

  it.each([
    ['squid-auth-401', 401],
    ['squid-auth-misreported', 403],
  ] as const)('%s: PROXY_AUTH_MISREPORTED with Squid %i and a challenge, exit 1; Squid logged TCP_DENIED with ERR_CACHE_ACCESS_DENIED', async (name, status) => {
    await using running = await startLabForScenario(`scenarios/twins/${name}.yaml`, { certs: TEST_CERTS_DIR });
    const out = await probeCommand({ ...running.probeOptions, identity: 'LocalService', timeoutMs: 8_000 });
    const check = out.report.checks.find((c) => c.host === WORKSPACE)!;
    expect(check.observed).toMatchObject({ reachable: false, step: 'proxy', code: 'PROXY_AUTH_MISREPORTED', httpStatus: status, responder: { kind: 'proxy', name: 'squid/5.7' } });
    expect(check.observed.detail).toContain('ERR_CACHE_ACCESS_DENIED');
    expect(check.observed.detail).toContain('challenge "Basic realm="atp-netlab""');
    expect(out.exitCode).toBe(1);
    const records = await settled<SquidRecord>(() => running.lab.records('corp-proxy'), (r) => r.some((x) => x.method === 'CONNECT'));
    expect(records.filter((r) => r.method === 'CONNECT' && r.target === WORKSPACE)).toEqual([
      expect.objectContaining({ status, result: 'TCP_DENIED', errCode: `${status}:ERR_CACHE_ACCESS_DENIED`, decision: 'auth-misreported' }),
    ]);
  }, 60_000);
});

describe.skipIf(mitmMissing !== undefined)(`real mitmproxy twin, from its flow log${mitmMissing ? ` (skipped: ${mitmMissing})` : ''}`, () => {
  it("mitmproxy that does not trust the cloud: INSPECTION_UPSTREAM_FAILED from mitmproxy 8.1.1 quoting its own error text, exit 1; its flow log holds the upstream verify failure", async () => {
    await using running = await startLabForScenario('scenarios/twins/mitmproxy-cloud-ca-untrusted.yaml', { certs: TEST_CERTS_DIR });
    const out = await probeCommand({ ...running.probeOptions, identity: 'LocalService', timeoutMs: 8_000 });
    const check = out.report.checks.find((c) => c.host === WORKSPACE)!;
    expect(check.observed).toMatchObject({ reachable: false, step: 'http', code: 'INSPECTION_UPSTREAM_FAILED', inspected: true, httpStatus: 502, responder: { kind: 'middlebox', name: 'mitmproxy 8.1.1' } });
    expect(check.observed.detail).toContain('Certificate verify failed: unable to get local issuer certificate');
    expect(out.exitCode).toBe(1);
    const records = await settled<MitmproxyRecord>(() => running.lab.records('inspector'), (r) => r.some((x) => x.method === 'CONNECT') && r.some((x) => x.method === 'GET'));
    expect(records.filter((r) => r.method === 'GET' && r.target === WORKSPACE)).toEqual([expect.objectContaining({ status: 502, bumpMode: 'bump', decision: 'upstream-failed' })]);
    const connect = records.find((r) => r.method === 'CONNECT' && r.target === WORKSPACE)!;
    expect(connect).toMatchObject({ status: 200, bumpMode: 'bump', clientCert: true, decision: 'upstream-failed' });
    expect(connect.upstreamTls).toContain('Certificate verify failed: unable to get local issuer certificate');
  }, 60_000);
});
