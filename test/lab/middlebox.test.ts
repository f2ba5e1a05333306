/**
 * The SSL-inspecting middlebox, observed from its own records, the mock cloud's records
 * (did the cloud receive the sensor's certificate?) and the real probe's outcome.
 */
import net from 'node:net';
import tls from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileNetworkPlan, explainNetworkPlan } from '../../src/lab/lab-plan.js';
import type { MiddleboxDefinition } from '../../src/lab/middlebox.js';
import { startInprocLab as startLab, type StartedInprocLab as StartedLab } from '../../src/engines/inproc/inproc-engine.js';
import type { LabPki } from '../../src/pki/index.js';
import { baseLab, CLOUD_HOST, loadPki, OTHER_HOST, probe, settled, viaProxy } from './inspection-fixtures.js';

let pki: LabPki;
beforeAll(async () => {
  pki = await loadPki();
});

function mb(def: Partial<MiddleboxDefinition> & Pick<MiddleboxDefinition, 'mode'>): MiddleboxDefinition {
  return { name: 'inspector', hostTrustsCa: true, ...def };
}

function records(lab: StartedLab, name = 'inspector') {
  return settled(lab.middleboxes.get(name)!.records);
}

/** Raw CONNECT from the host's address; resolves with everything the middlebox sent until it closed or 300 ms passed. */
async function rawConnect(lab: StartedLab, request: string): Promise<string> {
  const m = lab.middleboxes.get('inspector')!;
  const s = await lab.hostTransport().connect(m.address, m.port, { timeoutMs: 1_000 });
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      clearTimeout(t);
      s.destroy();
      resolve(text);
    };
    const t = setTimeout(done, 300);
    s.on('data', (d: Buffer) => (text += d.toString('latin1')));
    s.once('close', done);
    s.on('error', () => undefined);
    s.write(request);
  });
}

describe('middlebox, intercept (no client certificate upstream)', () => {
  it('re-signs, the cloud sees no client certificate, the sensor gets INSPECTION_BREAKS_MUTUAL_AUTH', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'intercept' })] }), pki);
    const o = await probe(lab, viaProxy('inspector'));
    expect(o).toMatchObject({ reachable: false, step: 'http', code: 'INSPECTION_BREAKS_MUTUAL_AUTH', inspected: true, route: 'PROXY inspector:8080' });
    expect(o.detail).toContain('401');
    expect(lab.cloud.records.map((r) => r.path)).toEqual(['/tri/sensor/api/ping', '/tri/sensor/api/lab/authenticated']);
    expect(lab.cloud.records.every((r) => r.clientCertThumbprint === null && r.fromHop === 'inspector')).toBe(true);
    const [rec] = await records(lab);
    expect(rec).toMatchObject({
      from: 'windows-host',
      target: `${CLOUD_HOST}:443`,
      sni: CLOUD_HOST,
      entry: 'connect',
      action: 'intercepted',
      upstreamResult: 'ok',
      sensorResult: 'ok',
      clientCertPresentedUpstream: false,
      decrypted: true,
    });
  });

  it('the browser-test trap: a ping-only check through the same middlebox succeeds (inspected, with a warning)', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'intercept' })] }), pki);
    const o = await probe(lab, viaProxy('inspector'), CLOUD_HOST, { checks: 'ping' });
    expect(o).toMatchObject({ reachable: true, code: 'OK', inspected: true });
    expect(o.warnings?.join(' ')).toMatch(/ping-only/);
    expect(lab.cloud.records).toHaveLength(1);
    expect(lab.cloud.records[0]!.clientCertThumbprint).toBeNull();
  });

  it('forges one leaf per SNI from the middlebox CA (what the sensor is shown)', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'intercept' })] }), pki);
    const o = await probe(lab, viaProxy('inspector'), OTHER_HOST);
    expect(o.issuer).toContain('atp-netlab Lab Inspection CA (middlebox)');
    const [rec] = await records(lab);
    expect(rec).toMatchObject({ sni: OTHER_HOST, action: 'intercepted' });
  });
});

describe('middlebox, intercept-mutual', () => {
  it("presents the sensor's enrolled certificate upstream: the cloud sees its thumbprint, the check is OK but inspected", async () => {
    await using lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'intercept-mutual' })] }), pki);
    const o = await probe(lab, viaProxy('inspector'));
    expect(o).toMatchObject({ reachable: true, code: 'OK', inspected: true });
    expect(o.warnings?.length).toBeGreaterThan(0);
    expect(lab.cloud.records.map((r) => r.clientCertThumbprint)).toEqual([pki.clientCert.thumbprint, pki.clientCert.thumbprint]);
    expect(lab.cloud.records.every((r) => r.enrolled && r.fromHop === 'inspector')).toBe(true);
    const [rec] = await records(lab);
    expect(rec).toMatchObject({ action: 'intercepted', clientCertPresentedUpstream: true, decrypted: true, upstreamResult: 'ok' });
  });
});

describe('middlebox, splice', () => {
  it('splices *.atp.azure.com untouched (never decrypted, OK, not inspected) and intercepts another host', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'splice' })] }), pki);
    const atp = await probe(lab, viaProxy('inspector'));
    expect(atp).toMatchObject({ reachable: true, code: 'OK', inspected: false });
    expect(lab.cloud.records.every((r) => r.clientCertThumbprint === pki.clientCert.thumbprint)).toBe(true);
    const other = await probe(lab, viaProxy('inspector'), OTHER_HOST);
    expect(other).toMatchObject({ inspected: true });
    const [spliced, intercepted] = await settled(lab.middleboxes.get('inspector')!.records, 2);
    expect(spliced).toMatchObject({ sni: CLOUD_HOST, action: 'spliced', decrypted: false, clientCertPresentedUpstream: false });
    expect(intercepted).toMatchObject({ sni: OTHER_HOST, action: 'intercepted', decrypted: true });
  });

  it('honours custom spliceHosts patterns', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'splice', spliceHosts: ['*.contoso-partner.example'] })] }), pki);
    expect(await probe(lab, viaProxy('inspector'), OTHER_HOST)).toMatchObject({ code: 'OK', inspected: false });
    expect(await probe(lab, viaProxy('inspector'))).toMatchObject({ code: 'INSPECTION_BREAKS_MUTUAL_AUTH', inspected: true });
  });
});

describe('middlebox, none', () => {
  it('is a plain tunnel: no peek, no decryption, the cloud sees the sensor', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'none', hostTrustsCa: false })] }), pki);
    expect(await probe(lab, viaProxy('inspector'))).toMatchObject({ reachable: true, code: 'OK', inspected: false });
    const [rec] = await records(lab);
    expect(rec).toMatchObject({ action: 'tunnel', sni: null, decrypted: false, upstreamResult: 'ok' });
  });
});

describe('middlebox, CONNECT front end', () => {
  it('always answers with a status line: 502 with a body when the target does not resolve in the lab DNS', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'intercept' })] }), pki);
    const text = await rawConnect(lab, 'CONNECT nowhere.atp.azure.com:443 HTTP/1.1\r\nHost: nowhere.atp.azure.com:443\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(text).toContain('nowhere.atp.azure.com');
    const [rec] = await records(lab);
    expect(rec).toMatchObject({ target: 'nowhere.atp.azure.com:443', upstreamResult: 'ENOTFOUND', decrypted: false });
    const o = await probe(lab, viaProxy('inspector'), 'nowhere.atp.azure.com');
    expect(o).toMatchObject({ step: 'proxy', code: 'PROXY_UPSTREAM_FAILED' });
  });

  it('502 when nothing listens at the target, 405 for other methods, 400 for garbage', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'intercept' })], dns: { records: { 'dead.atp.azure.com': '127.77.0.253' } } }), pki);
    expect(await rawConnect(lab, 'CONNECT dead.atp.azure.com:443 HTTP/1.1\r\n\r\n')).toMatch(/^HTTP\/1\.1 502 /);
    expect(await rawConnect(lab, `GET http://${CLOUD_HOST}/ HTTP/1.1\r\nHost: ${CLOUD_HOST}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 405 /);
    expect(await rawConnect(lab, 'hello\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect((await records(lab))[0]!.upstreamResult).toBe('ECONNREFUSED');
  });

  it('is reachable through a forward proxy whose upstream names it (chained CONNECT)', async () => {
    await using lab = await startLab(baseLab({ proxies: [{ name: 'corp-proxy', upstream: 'inspector' }], middleboxes: [mb({ mode: 'intercept-mutual' })] }), pki);
    const o = await probe(lab, viaProxy('corp-proxy'));
    expect(o).toMatchObject({ reachable: true, code: 'OK', inspected: true, route: 'PROXY corp-proxy:8080' });
    expect(lab.proxies.get('corp-proxy')!.records[0]).toMatchObject({ decision: 'chained' });
    expect((await records(lab))[0]).toMatchObject({ action: 'intercepted', sni: CLOUD_HOST });
    expect(lab.cloud.records[0]!.fromHop).toBe('inspector');
  });

  it('gets its own lab address and DNS names', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'none', hostTrustsCa: false })] }), pki);
    const info = lab.endpoints().find((c) => c.name === 'inspector')!;
    expect(info).toMatchObject({ type: 'middlebox', port: 8080, dnsNames: ['inspector', 'inspector.contoso.example'] });
    // Its own slot of the plan, on the lab's own /24, never shared with another component.
    expect(info.address).toBe(lab.block.address(lab.plan.components.find((c) => c.name === 'inspector')!.slot));
    expect(new Set(lab.endpoints().map((e) => e.address)).size).toBe(lab.endpoints().length);
    expect(await lab.hostTransport().lookup('inspector.contoso.example')).toEqual([info.address]);
  });
});

describe('middlebox, cloud side fails', () => {
  const requireCert = (maxTlsVersion?: 'TLSv1.2') => ({ cloud: { hosts: [{ host: CLOUD_HOST, clientCert: 'require' as const, ...(maxTlsVersion ? { maxTlsVersion } : {}) }] } });

  it('serves the block page on the intercepted connection (TLS 1.2 upstream: handshake failure)', async () => {
    await using lab = await startLab(baseLab({ ...requireCert('TLSv1.2'), middleboxes: [mb({ mode: 'intercept', blockPage: { status: 403, body: 'Blocked by SSL inspection policy' } })] }), pki);
    const o = await probe(lab, viaProxy('inspector'));
    expect(o).toMatchObject({ code: 'INSPECTION_BREAKS_MUTUAL_AUTH', inspected: true });
    expect(o.detail).toContain('Blocked by SSL inspection policy');
    const [rec] = await records(lab);
    expect(rec).toMatchObject({ action: 'intercepted', decrypted: true, blockPageServed: true });
    expect(rec!.upstreamResult).not.toBe('ok');
    expect(lab.cloud.handshakeFailures[0]).toMatchObject({ fromHop: 'inspector' });
  });

  it('serves the block page when a TLS 1.3 cloud rejects the missing certificate after the handshake', async () => {
    await using lab = await startLab(baseLab({ ...requireCert(), middleboxes: [mb({ mode: 'intercept', blockPage: { status: 502, body: 'Upstream TLS failed' } })] }), pki);
    const o = await probe(lab, viaProxy('inspector'));
    expect(o).toMatchObject({ code: 'INSPECTION_BREAKS_MUTUAL_AUTH', inspected: true });
    const [rec] = await records(lab);
    expect(rec!.upstreamResult).toMatch(/CERTIFICATE_REQUIRED/);
    expect(rec!.blockPageServed).toBe(true);
  });

  it('closes the intercepted connection without a block page', async () => {
    await using lab = await startLab(baseLab({ ...requireCert('TLSv1.2'), middleboxes: [mb({ mode: 'intercept' })] }), pki);
    const o = await probe(lab, viaProxy('inspector'));
    expect(o).toMatchObject({ code: 'INSPECTION_BREAKS_MUTUAL_AUTH', inspected: true });
    expect((await records(lab))[0]).toMatchObject({ blockPageServed: false, decrypted: true });
    expect(lab.cloud.records).toHaveLength(0);
  });
});

describe('middlebox, TLS versions per side', () => {
  const legacy = mb({ mode: 'intercept-mutual', sensorTls: { minTlsVersion: 'TLSv1', maxTlsVersion: 'TLSv1.1' } });

  it('really speaks TLS 1.1 to a legacy client while using TLS 1.2+ toward the cloud', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [legacy] }), pki);
    const m = lab.middleboxes.get('inspector')!;
    const raw = await lab.hostTransport().connect(m.address, m.port, { timeoutMs: 1_000 });
    try {
      raw.write(`CONNECT ${CLOUD_HOST}:443 HTTP/1.1\r\n\r\n`);
      await new Promise<void>((r) => raw.once('data', () => r()));
      const s = tls.connect({ socket: raw, servername: CLOUD_HOST, ca: [pki.middleboxCa.certPem], minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
      await new Promise<void>((resolve, reject) => {
        s.once('secureConnect', resolve);
        s.once('error', reject);
      });
      expect(s.getProtocol()).toBe('TLSv1.1');
      s.destroy();
    } finally {
      raw.destroy();
    }
    const [rec] = await records(lab);
    expect(rec).toMatchObject({ sensorTlsVersion: 'TLSv1.1', decrypted: true });
    expect(rec!.cloudTlsVersion).toMatch(/TLSv1\.[23]/);
  });

  it('a TLS 1.2+ sensor finds no common version: TLS_PROTOCOL_VERSION', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [legacy] }), pki);
    const o = await probe(lab, viaProxy('inspector'));
    expect(o).toMatchObject({ reachable: false, step: 'tls', code: 'TLS_PROTOCOL_VERSION' });
    const [rec] = await records(lab);
    expect(rec).toMatchObject({ action: 'intercepted', decrypted: false });
    expect(rec!.sensorResult).toMatch(/PROTOCOL/);
    expect(lab.cloud.records).toHaveLength(0);
  });
});

describe('middlebox, host does not trust its CA', () => {
  it('the sensor refuses the forged chain: TLS_UNTRUSTED_CERT naming the middlebox CA; nothing decrypted', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'intercept', hostTrustsCa: false })] }), pki);
    expect(lab.hostTrustedCaPems()).toEqual([pki.trustedRoot.certPem]);
    const o = await probe(lab, viaProxy('inspector'));
    expect(o).toMatchObject({ reachable: false, step: 'tls', code: 'TLS_UNTRUSTED_CERT', inspected: true });
    expect(o.detail).toContain('atp-netlab Lab Inspection CA (middlebox)');
    const [rec] = await records(lab);
    expect(rec).toMatchObject({ action: 'intercepted', decrypted: false });
    expect(rec!.sensorResult).not.toBe('ok');
    expect(lab.cloud.records).toHaveLength(0);
  });
});

describe('middlebox lifecycle', () => {
  it('closes its listener and every connection on stop', async () => {
    const lab = await startLab(baseLab({ middleboxes: [mb({ mode: 'intercept' })] }), pki);
    const m = lab.middleboxes.get('inspector')!;
    const idle = net.connect({ host: m.address, port: m.port });
    await new Promise<void>((r) => idle.once('connect', () => r()));
    const closed = new Promise<void>((r) => idle.once('close', () => r()));
    idle.on('error', () => undefined);
    await lab.stop();
    await closed;
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const s = net.connect({ host: m.address, port: m.port });
      s.once('error', resolve);
      s.once('connect', () => {
        s.destroy();
        resolve(Object.assign(new Error('connected'), { code: 'CONNECTED' }));
      });
    });
    expect(err.code).toBe('ECONNREFUSED');
  });
});

describe('middlebox and transparent proxy in explainLab', () => {
  it('describes mode, trust, TLS bounds, block page and the transparent hand-off', () => {
    const text = explainNetworkPlan(compileNetworkPlan(
      baseLab({
        middleboxes: [
          mb({ mode: 'intercept', hostTrustsCa: false, sensorTls: { minTlsVersion: 'TLSv1', maxTlsVersion: 'TLSv1.1' }, blockPage: { status: 403, body: 'x' } }),
          { name: 'mutual', mode: 'intercept-mutual', hostTrustsCa: true },
        ],
        transparentProxy: { middlebox: 'inspector' },
      }),
    ));
    expect(text).toMatch(/Middlebox inspector:8080: intercepts TLS and re-originates it WITHOUT a client certificate.*does NOT trust its CA, sensor-side TLS TLSv1\.\.TLSv1\.1, answers 403/);
    expect(text).toMatch(/Middlebox mutual:8080: .*presents the sensor's certificate upstream.*trusts its CA/);
    expect(text).toMatch(/Transparent proxy transparent-proxy: .*hands it to middlebox inspector/);
  });
});
