/**
 * Sans-IO: a proxy's own records turn a reset right after CONNECT into a policy denial only
 * when they hold a status-less denial of that very target; anything else stays unreported
 * (and the verdict says PROXY_CLOSED).
 */
import { describe, expect, it } from 'vitest';
import type { ConnectEvidence, ProbeEvidence } from '../../src/probe/evidence.js';
import { policyResetReports, resetRightAfterConnect } from '../../src/probe/policy-reset-reports.js';
import { verdict } from '../../src/probe/verdict.js';

const H = 'contosoatpsensorapi.atp.azure.com';
function ev(connect: Partial<ConnectEvidence>): ProbeEvidence {
  return {
    url: `https://${H}/tri/sensor/api/ping`,
    host: H,
    port: 443,
    identity: 'LocalService',
    route: { failed: false, candidates: [{ kind: 'PROXY', host: 'corp-proxy', port: 8080 }], source: 'wininet-static', notes: [] },
    attempts: [{ hop: { kind: 'PROXY', host: 'corp-proxy', port: 8080 }, dns: { name: 'corp-proxy', addresses: ['127.1.0.2'] }, tcp: { port: 8080, address: '127.1.0.2' }, connect: { proxy: 'corp-proxy:8080', target: `${H}:443`, hadCredentials: false, ...connect } }],
    http: [],
    checks: 'full',
    timings: {},
    durationMs: 3,
  } as ProbeEvidence;
}
const reset = ev({ ending: { kind: 'reset', bytesReceived: 0, message: 'read ECONNRESET' } });
const squidLine = { target: H, port: 443, decision: 'denied', status: null, detail: 'TCP_DENIED/0 TCP_RESET' };

describe('policyResetReports', () => {
  it("a reset right after CONNECT plus Squid's TCP_DENIED/0 TCP_RESET for the same target is a policy denial, quoting Squid", () => {
    const reports = policyResetReports(reset, new Map([['corp-proxy', [squidLine]]]));
    expect(reports).toEqual([{ source: "corp-proxy's own log", kind: 'policy-denied', detail: `CONNECT ${H}:443 TCP_DENIED/0 TCP_RESET` }]);
    const o = verdict({ ...reset, reports });
    expect(o).toMatchObject({ code: 'PROXY_DENIED', step: 'proxy', responder: { kind: 'proxy' } });
    expect(o.detail).toContain('TCP_RESET');
  });

  it.each([
    ['another target', [{ ...squidLine, target: 'portal.partner.example' }]],
    ['another port', [{ ...squidLine, port: 8443 }]],
    ['a denial with a status (the 403 page was sent)', [{ ...squidLine, status: 403 }]],
    ['no denial at all (the proxy crashed or closed)', [{ ...squidLine, decision: 'closed' }]],
  ])('%s: no report, the verdict stays PROXY_CLOSED', (_what, records) => {
    const reports = policyResetReports(reset, new Map([['corp-proxy', records]]));
    expect(reports).toEqual([]);
    expect(verdict({ ...reset, reports }).code).toBe('PROXY_CLOSED');
  });

  it('only a reset before any answer byte counts', () => {
    expect(resetRightAfterConnect(reset)).toEqual({ proxy: 'corp-proxy:8080', target: `${H}:443` });
    expect(resetRightAfterConnect(ev({ ending: { kind: 'reset', bytesReceived: 12 } }))).toBeUndefined();
    expect(resetRightAfterConnect(ev({ ending: { kind: 'closed', bytesReceived: 0 } }))).toBeUndefined();
    expect(policyResetReports(ev({ ending: { kind: 'closed', bytesReceived: 0 } }), new Map([['corp-proxy', [squidLine]]]))).toEqual([]);
  });
});
