/**
 * Real Squid 5.7 whose next hop fails, probed the way a support engineer does it (`lab up`,
 * then `probe` over the real transport with no lab marker header): the probe names Squid as
 * the responder, quotes its error identifier, never says OK, and exits 1. Each outcome is
 * checked against what Squid itself wrote in its access log, not only the probe's view.
 *
 * Skipped with the reason where Squid is missing or the lab maps privileged ports.
 */
import { describe, expect, it } from 'vitest';
import { startLabForScenario } from '../../src/cli/commands/lab-up.js';
import { probeCommand } from '../../src/cli/commands/probe.js';
import { inprocEngine } from '../../src/engines/inproc/inproc-engine.js';
import type { SquidRecord } from '../../src/lab/squid-access-log.js';
import { TEST_CERTS_DIR } from '../helpers/test-certs.js';

const reason = inprocEngine.unsupported({ components: [{ type: 'squid' }], requires: {} } as never);
const WORKSPACE = 'contosoatpsensorapi.atp.azure.com';

async function settled(read: () => readonly object[], done: (r: SquidRecord[]) => boolean): Promise<SquidRecord[]> {
  for (let i = 0; i < 60 && !done(read() as SquidRecord[]); i++) await new Promise((r) => setTimeout(r, 50));
  return read() as SquidRecord[];
}

describe.skipIf(reason !== undefined)(`real Squid whose next hop fails${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('bump whose upstream TLS fails: ping-only and full check are INSPECTION_UPSTREAM_FAILED from squid/5.7, exit 1; Squid logged 503 ERR_SECURE_CONNECT_FAIL', async () => {
    await using running = await startLabForScenario('scenarios/twins/squid-bump-upstream-tls-fails.yaml', { certs: TEST_CERTS_DIR });
    const { authPath, ...pingOnly } = running.probeOptions;
    expect(authPath, 'lab up gives the authenticated call for the full check').toBeDefined();
    for (const [what, options] of [['full', running.probeOptions], ['ping-only', pingOnly]] as const) {
      const out = await probeCommand({ ...options, identity: 'LocalService', timeoutMs: 8_000 });
      const check = out.report.checks.find((c) => c.host === WORKSPACE)!;
      expect(check.observed, what).toMatchObject({ reachable: false, step: 'http', code: 'INSPECTION_UPSTREAM_FAILED', inspected: true, responder: { kind: 'middlebox', name: 'squid/5.7' } });
      expect(check.observed.detail, what).toContain('ERR_SECURE_CONNECT_FAIL');
      expect(out.exitCode, what).toBe(1);
    }
    const records = await settled(() => running.lab.records('inspector'), (r) => r.filter((x) => x.method === 'GET').length >= 2);
    const gets = records.filter((r) => r.method === 'GET' && r.target === WORKSPACE);
    expect(gets.length).toBeGreaterThanOrEqual(2);
    for (const r of gets) expect(r).toMatchObject({ status: 503, errCode: 'ERR_SECURE_CONNECT_FAIL', decision: 'upstream-failed' });
    // The sensor's side of the bump succeeded: Squid tunnelled and bumped the CONNECT.
    expect(records.filter((r) => r.method === 'CONNECT' && r.target === WORKSPACE).every((r) => r.status === 200 && r.bumpMode === 'bump')).toBe(true);
  }, 60_000);

  it.each([
    ['squid-upstream-refused', 503, 'ERR_CONNECT_FAIL'],
    ['squid-upstream-name-unknown', 500, 'ERR_CANNOT_FORWARD'],
  ] as const)('%s: PROXY_UPSTREAM_FAILED with Squid %i %s, exit 1; Squid logged the same status', async (name, status, errorId) => {
    await using running = await startLabForScenario(`scenarios/twins/${name}.yaml`, { certs: TEST_CERTS_DIR });
    const out = await probeCommand({ ...running.probeOptions, identity: 'LocalService', timeoutMs: 8_000 });
    const check = out.report.checks.find((c) => c.host === WORKSPACE)!;
    expect(check.observed).toMatchObject({ reachable: false, step: 'proxy', code: 'PROXY_UPSTREAM_FAILED', httpStatus: status, responder: { kind: 'proxy', name: 'squid/5.7' } });
    expect(check.observed.detail).toContain(errorId);
    expect(out.exitCode).toBe(1);
    const records = await settled(() => running.lab.records('corp-proxy'), (r) => r.some((x) => x.method === 'CONNECT'));
    expect(records.filter((r) => r.method === 'CONNECT' && r.target === WORKSPACE)).toEqual([expect.objectContaining({ status, decision: 'upstream-failed' })]);
  }, 60_000);
});
