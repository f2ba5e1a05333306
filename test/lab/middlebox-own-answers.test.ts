/**
 * The built-in middlebox's answers that copy a real proxy (issue 9 §4): a policy block page
 * after the bump (blockPage.when: always), and a middlebox that does not trust the cloud
 * (trustsCloudCa: false) answering as mitmproxy 8.1.1 does. Observed from the middlebox's own
 * records, the mock cloud's records, and the real probe's outcome.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { MiddleboxDefinition } from '../../src/lab/middlebox.js';
import { startInprocLab as startLab } from '../../src/engines/inproc/inproc-engine.js';
import type { LabPki } from '../../src/pki/index.js';
import { baseLab, CLOUD_HOST, loadPki, probe, settled, viaProxy } from './inspection-fixtures.js';

let pki: LabPki;
beforeAll(async () => {
  pki = await loadPki();
});

function mb(def: Partial<MiddleboxDefinition> & Pick<MiddleboxDefinition, 'mode'>): MiddleboxDefinition {
  return { name: 'inspector', hostTrustsCa: true, ...def };
}

describe('middlebox, block page after the bump (blockPage.when: always)', () => {
  const page = { status: 403, body: '<h1>Blocked by the web policy</h1>', when: 'always' as const };

  it('behaves: squid: Squid deny_info headers, PROXY_DENIED (not mutual auth); nothing is dialled, the cloud records nothing', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'intercept-mutual', behaves: 'squid', blockPage: page })] }), pki);
    const o = await probe(lab, viaProxy('inspector'));
    expect(o).toMatchObject({ reachable: false, step: 'http', code: 'PROXY_DENIED', inspected: true, httpStatus: 403, responder: { kind: 'middlebox', name: 'squid/5.7' } });
    expect(o.detail).toContain('ERR_ATPNL_BLOCK');
    expect(o.detail).toContain('Blocked by the web policy');
    const recs = await settled(lab.middleboxes.get('inspector')!.records);
    expect(recs.length).toBeGreaterThan(0);
    for (const r of recs) expect(r).toMatchObject({ action: 'intercepted', decrypted: true, blockPageServed: true, upstreamResult: 'blocked', sensorResult: 'ok' });
    expect(lab.cloud.records).toEqual([]);
    expect(lab.cloud.handshakeFailures).toEqual([]);
  });

  it('a status other than 403 is named the way Squid names a deny_info with a status (500:ERR_ATPNL_BLOCK)', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'intercept', behaves: 'squid', blockPage: { ...page, status: 451 } })] }), pki);
    const o = await probe(lab, viaProxy('inspector'));
    expect(o).toMatchObject({ httpStatus: 451, responder: { name: 'squid/5.7', evidence: expect.stringContaining('X-Squid-Error: 451:ERR_ATPNL_BLOCK 0') } });
  });

  it('the default (upstream-fails) page is not served while the cloud side works', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'intercept-mutual', blockPage: { status: 403, body: 'x' } })] }), pki);
    const o = await probe(lab, viaProxy('inspector'));
    expect(o).toMatchObject({ reachable: true, code: 'OK', inspected: true });
  });
});

describe('middlebox answering as mitmproxy 8.1.1, or not trusting the cloud (trustsCloudCa: false)', () => {
  it("behaves: mitmproxy: mitmproxy 8.1.1's 502 \"Certificate verify failed\", INSPECTION_UPSTREAM_FAILED, responder the middlebox", async () => {
    await using lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'intercept-mutual', trustsCloudCa: false, behaves: 'mitmproxy' })] }), pki);
    const o = await probe(lab, viaProxy('inspector'));
    expect(o).toMatchObject({ reachable: false, step: 'http', code: 'INSPECTION_UPSTREAM_FAILED', httpStatus: 502, responder: { kind: 'middlebox', name: 'mitmproxy 8.1.1' } });
    expect(o.detail).toContain('Certificate verify failed: unable to get local issuer certificate');
    const [rec] = await settled(lab.middleboxes.get('inspector')!.records);
    expect(rec).toMatchObject({ upstreamResult: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', blockPageServed: true, clientCertPresentedUpstream: true });
    // The middlebox gave up on the cloud's chain: the cloud never got a request.
    expect(lab.cloud.records).toEqual([]);
  });

  it("behaves: mitmproxy, a TLS 1.2 cloud demanding a certificate it does not hold: mitmproxy's OpenSSL Error text (as the real one sends)", async () => {
    const cloud = { hosts: [{ host: CLOUD_HOST, clientCert: 'require' as const, maxTlsVersion: 'TLSv1.2' as const }] };
    await using lab = await startLab(baseLab({ cloud, middleboxes: [mb({ mode: 'intercept', behaves: 'mitmproxy' })] }), pki);
    const o = await probe(lab, viaProxy('inspector'));
    expect(o).toMatchObject({ code: 'INSPECTION_UPSTREAM_FAILED', httpStatus: 502, responder: { name: 'mitmproxy 8.1.1' } });
    expect(o.detail).toContain("OpenSSL Error([('SSL routines', '', 'sslv3 alert handshake failure')])");
  });

  it('behaves: mitmproxy, CONNECT to a name the lab does not know: its plain 502 "Cannot connect to …", PROXY_UPSTREAM_FAILED', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'intercept', behaves: 'mitmproxy' })] }), pki);
    const o = await probe(lab, viaProxy('inspector'), 'nosuch.atp.azure.com');
    expect(o).toMatchObject({ reachable: false, step: 'proxy', code: 'PROXY_UPSTREAM_FAILED', httpStatus: 502 });
    expect(o.detail).toContain('Cannot connect to nosuch.atp.azure.com:443: [Errno -2] Name or service not known');
  });

  it('behaves: squid: 503 ERR_SECURE_CONNECT_FAIL, the same code', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'intercept-mutual', trustsCloudCa: false, behaves: 'squid' })] }), pki);
    const o = await probe(lab, viaProxy('inspector'));
    expect(o).toMatchObject({ code: 'INSPECTION_UPSTREAM_FAILED', httpStatus: 503, responder: { name: 'squid/5.7' } });
    expect(o.detail).toContain('ERR_SECURE_CONNECT_FAIL');
  });
});
