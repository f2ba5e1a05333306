/**
 * The probe's diagnosis of SSL inspection, against the lab's real middlebox, forward proxies
 * and transparent proxy over loopback TLS. The probe never imports the lab: only its
 * transport and trust store come from it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { startInprocLab as startLab } from '../../src/engines/inproc/inproc-engine.js';
import type { LabPki } from '../../src/pki/index.js';
import { classifyConnectResponse } from '../../src/probe/connect-response.js';
import { classifyTlsError } from '../../src/probe/tls-errors.js';
import { baseLab, CLOUD_HOST, direct, loadPki, probe, viaProxy } from '../lab/inspection-fixtures.js';

let pki: LabPki;
beforeAll(async () => {
  pki = await loadPki();
});

const MIDDLEBOX_CA = 'atp-netlab Lab Inspection CA (middlebox)';

describe('probe diagnosis of SSL inspection', () => {
  it('untrusted re-signed chain: TLS_UNTRUSTED_CERT, the middlebox CA named, inspected', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [{ name: 'mb', mode: 'intercept', hostTrustsCa: false }] }), pki);
    const o = await probe(lab, viaProxy('mb'));
    expect(o).toMatchObject({ reachable: false, step: 'tls', code: 'TLS_UNTRUSTED_CERT', inspected: true });
    expect(o.issuer).toContain(MIDDLEBOX_CA);
    expect(o.detail).toContain(MIDDLEBOX_CA);
  });

  it('trusted re-signed chain, authenticated call 401: INSPECTION_BREAKS_MUTUAL_AUTH (the ping alone is OK)', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [{ name: 'mb', mode: 'intercept', hostTrustsCa: true }] }), pki);
    const full = await probe(lab, viaProxy('mb'));
    expect(full).toMatchObject({ reachable: false, step: 'http', code: 'INSPECTION_BREAKS_MUTUAL_AUTH', inspected: true });
    expect(full.detail).toMatch(/authenticated call answered 401/);
    expect(full.detail).toContain(MIDDLEBOX_CA);
    const ping = await probe(lab, viaProxy('mb'), CLOUD_HOST, { checks: 'ping' });
    expect(ping).toMatchObject({ reachable: true, code: 'OK', inspected: true });
    expect(ping.warnings?.[0]).toMatch(/ping-only/);
  });

  it('trusted re-signed chain answered with a block page: INSPECTION_BREAKS_MUTUAL_AUTH with the page in the detail', async () => {
    await using lab = await startLab(
      baseLab({
        cloud: { hosts: [{ host: CLOUD_HOST, clientCert: 'require', maxTlsVersion: 'TLSv1.2' }] },
        middleboxes: [{ name: 'mb', mode: 'intercept', hostTrustsCa: true, blockPage: { status: 403, body: 'Access denied by SSL inspection' } }],
      }),
      pki,
    );
    const o = await probe(lab, viaProxy('mb'));
    expect(o).toMatchObject({ code: 'INSPECTION_BREAKS_MUTUAL_AUTH', inspected: true });
    expect(o.detail).toContain('403');
    expect(o.detail).toContain('Access denied by SSL inspection');
  });

  // Failed before the fix: HTTP_STATUS "GET /tri/sensor/api/ping failed: other side closed".
  it('trusted re-signed chain, then a close without an answer: INSPECTION_BREAKS_MUTUAL_AUTH (TLS 1.2 and 1.3 clouds)', async () => {
    for (const maxTlsVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
      await using lab = await startLab(
        baseLab({ cloud: { hosts: [{ host: CLOUD_HOST, clientCert: 'require', maxTlsVersion }] }, middleboxes: [{ name: 'mb', mode: 'intercept', hostTrustsCa: true }] }),
        pki,
      );
      const o = await probe(lab, viaProxy('mb'));
      expect(o, maxTlsVersion).toMatchObject({ reachable: false, step: 'http', code: 'INSPECTION_BREAKS_MUTUAL_AUTH', inspected: true });
      expect(o.detail).toMatch(/closed.*without (an )?answer/);
    }
  });

  it('a plain close on the cloud\'s own chain stays HTTP_STATUS (not blamed on inspection)', async () => {
    await using lab = await startLab(baseLab({ cloud: { hosts: [{ host: CLOUD_HOST, clientCert: 'require', maxTlsVersion: 'TLSv1.3' }] } }), pki);
    const o = await probe(lab, direct, CLOUD_HOST);
    // The sensor presents its certificate, so the cloud accepts it: the point is only that nothing is "inspected".
    expect(o.inspected).toBe(false);
    expect(o.code).not.toBe('INSPECTION_BREAKS_MUTUAL_AUTH');
  });

  it('middlebox offering only TLS 1.0/1.1 to the sensor: TLS_PROTOCOL_VERSION', async () => {
    await using lab = await startLab(
      baseLab({ middleboxes: [{ name: 'mb', mode: 'intercept-mutual', hostTrustsCa: true, sensorTls: { minTlsVersion: 'TLSv1', maxTlsVersion: 'TLSv1.1' } }] }),
      pki,
    );
    const o = await probe(lab, viaProxy('mb'));
    expect(o).toMatchObject({ reachable: false, step: 'tls', code: 'TLS_PROTOCOL_VERSION' });
    expect(o.detail).toMatch(/TLS 1\.2\+/);
  });

  it('node reports a TLS 1.0/1.1-only server as a protocol-version alert, classified TLS_PROTOCOL_VERSION', () => {
    for (const code of ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_UNSUPPORTED_PROTOCOL']) {
      expect(classifyTlsError({ code, message: 'x', afterHandshake: false, presentedClientCert: true }).code, code).toBe('TLS_PROTOCOL_VERSION');
    }
    // "wrong version number" is OpenSSL reading a record that is not TLS at all (plain HTTP on
    // 443), not an old TLS stack: see scenarios/web-filter-plain-http-on-443.yaml.
    expect(classifyTlsError({ code: 'ERR_SSL_WRONG_VERSION_NUMBER', message: 'x', afterHandshake: false, presentedClientCert: true }).code).toBe('TLS_HANDSHAKE_FAILED');
  });

  it('intercept-mutual: OK, inspected, with a warning', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [{ name: 'mb', mode: 'intercept-mutual', hostTrustsCa: true }] }), pki);
    const o = await probe(lab, viaProxy('mb'));
    expect(o).toMatchObject({ reachable: true, step: 'http', code: 'OK', inspected: true });
    expect(o.warnings?.[0]).toMatch(/re-signed by a middlebox/);
    expect(lab.cloud.records.at(-1)!.clientCertThumbprint).toBe(pki.clientCert.thumbprint);
  });

  it('splice: OK and not inspected', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [{ name: 'mb', mode: 'splice', hostTrustsCa: true }] }), pki);
    expect(await probe(lab, viaProxy('mb'))).toMatchObject({ reachable: true, code: 'OK', inspected: false });
  });
});

describe('probe through chained and transparent proxies', () => {
  it('forward proxy → upstream forward proxy → cloud (two hops): reachable', async () => {
    await using lab = await startLab(baseLab({ proxies: [{ name: 'branch-proxy', upstream: 'core-proxy' }, { name: 'core-proxy' }] }), pki);
    const o = await probe(lab, viaProxy('branch-proxy'));
    expect(o).toMatchObject({ reachable: true, code: 'OK', inspected: false, route: 'PROXY branch-proxy:8080' });
    expect(lab.proxies.get('branch-proxy')!.records[0]).toMatchObject({ decision: 'chained' });
    expect(lab.proxies.get('core-proxy')!.records[0]).toMatchObject({ decision: 'tunnel' });
    expect(lab.cloud.records.every((r) => r.fromHop === 'core-proxy' && r.clientCertThumbprint === pki.clientCert.thumbprint)).toBe(true);
  });

  // Failed before the fix: proxy-chain relays the upstream's 502 as "590 UPSTREAM502", which the probe called PROXY_DENIED.
  it('forward proxy chained to a middlebox that cannot resolve the target: PROXY_UPSTREAM_FAILED', async () => {
    await using lab = await startLab(baseLab({ proxies: [{ name: 'corp-proxy', upstream: 'mb' }], middleboxes: [{ name: 'mb', mode: 'intercept', hostTrustsCa: true }] }), pki);
    const o = await probe(lab, viaProxy('corp-proxy'), 'missing.atp.azure.com');
    expect(o).toMatchObject({ reachable: false, step: 'proxy', code: 'PROXY_UPSTREAM_FAILED' });
  });

  it('proxy-chain gateway statuses 590-599 are upstream failures (sans-IO)', () => {
    const ctx = { identity: 'LocalService', proxy: 'p:8080', target: `${CLOUD_HOST}:443`, hadCredentials: false };
    for (const status of [590, 593, 594, 595, 597, 599]) {
      expect(classifyConnectResponse({ status, reason: 'x', headers: {}, body: '' }, ctx).code, String(status)).toBe('PROXY_UPSTREAM_FAILED');
    }
    // Issue 9 §2: Squid answers 500 ERR_CANNOT_FORWARD when it cannot resolve the target; it was PROXY_DENIED.
    expect(classifyConnectResponse({ status: 500, reason: 'x', headers: {}, body: '' }, ctx).code).toBe('PROXY_UPSTREAM_FAILED');
  });

  it('transparent proxy: route TRANSPARENT and reachable', async () => {
    await using lab = await startLab(baseLab({ transparentProxy: {} }), pki);
    const o = await probe(lab, direct);
    expect(o).toMatchObject({ reachable: true, code: 'OK', route: 'TRANSPARENT', inspected: false });
    expect(o.detail).toMatch(/diverted/);
  });

  it('transparent proxy handing to an intercepting middlebox: INSPECTION_BREAKS_MUTUAL_AUTH, route TRANSPARENT', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [{ name: 'mb', mode: 'intercept', hostTrustsCa: true }], transparentProxy: { middlebox: 'mb' } }), pki);
    const o = await probe(lab, direct);
    expect(o).toMatchObject({ reachable: false, code: 'INSPECTION_BREAKS_MUTUAL_AUTH', route: 'TRANSPARENT', inspected: true });
  });
});
