/**
 * The transparent proxy: the host has no proxy setting, the lab network diverts its
 * port-443 connections to cloud addresses, and the proxy routes by the ClientHello's SNI.
 */
import tls from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { startInprocLab as startLab } from '../../src/engines/inproc/inproc-engine.js';
import type { LabPki } from '../../src/pki/index.js';
import { baseLab, CLOUD_HOST, direct, loadPki, OTHER_HOST, probe, settled } from './inspection-fixtures.js';

let pki: LabPki;
beforeAll(async () => {
  pki = await loadPki();
});

describe('transparent proxy', () => {
  it('tunnels by SNI: route TRANSPARENT, reachable, the cloud sees the sensor via the proxy', async () => {
    await using lab = await startLab(baseLab({ transparentProxy: {} }), pki);
    const o = await probe(lab, direct);
    expect(o).toMatchObject({ reachable: true, code: 'OK', route: 'TRANSPARENT', inspected: false });
    const [rec] = await settled(lab.transparentProxy!.records);
    expect(rec).toMatchObject({ from: 'windows-host', sni: CLOUD_HOST, target: `${CLOUD_HOST}:443`, action: 'tunnel', upstreamResult: 'ok' });
    expect(lab.cloud.records.every((r) => r.fromHop === 'transparent-proxy' && r.clientCertThumbprint === pki.clientCert.thumbprint)).toBe(true);
    const info = lab.endpoints().find((c) => c.type === 'transparent-proxy')!;
    expect(info).toMatchObject({ name: 'transparent-proxy', address: lab.block.address(lab.plan.components.find((c) => c.type === 'transparent-proxy')!.slot), port: 443 });
  });

  it('hands connections to an intercepting middlebox: INSPECTION_BREAKS_MUTUAL_AUTH, the cloud sees no certificate', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [{ name: 'inspector', mode: 'intercept', hostTrustsCa: true }], transparentProxy: { middlebox: 'inspector' } }), pki);
    const o = await probe(lab, direct);
    expect(o).toMatchObject({ reachable: false, code: 'INSPECTION_BREAKS_MUTUAL_AUTH', route: 'TRANSPARENT', inspected: true });
    expect((await settled(lab.transparentProxy!.records))[0]).toMatchObject({ action: 'handed-to-middlebox', sni: CLOUD_HOST });
    const [m] = await settled(lab.middleboxes.get('inspector')!.records);
    expect(m).toMatchObject({ entry: 'connect', from: 'transparent-proxy', action: 'intercepted', decrypted: true, clientCertPresentedUpstream: false });
    expect(lab.cloud.records.every((r) => r.clientCertThumbprint === null && r.fromHop === 'inspector')).toBe(true);
  });

  it('hands connections to a splicing middlebox: OK, not inspected, never decrypted', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [{ name: 'inspector', mode: 'splice', hostTrustsCa: true }], transparentProxy: { middlebox: 'inspector' } }), pki);
    expect(await probe(lab, direct)).toMatchObject({ reachable: true, code: 'OK', route: 'TRANSPARENT', inspected: false });
    expect((await settled(lab.middleboxes.get('inspector')!.records))[0]).toMatchObject({ action: 'spliced', decrypted: false });
  });

  it('with intercept-mutual behind it: OK, inspected, the cloud sees the sensor identity', async () => {
    await using lab = await startLab(baseLab({ middleboxes: [{ name: 'inspector', mode: 'intercept-mutual', hostTrustsCa: true }], transparentProxy: { middlebox: 'inspector' } }), pki);
    expect(await probe(lab, direct)).toMatchObject({ reachable: true, code: 'OK', route: 'TRANSPARENT', inspected: true });
    expect(lab.cloud.records.at(-1)!.clientCertThumbprint).toBe(pki.clientCert.thumbprint);
  });

  it('diverts only the hosts named by `divert`', async () => {
    await using lab = await startLab(baseLab({ transparentProxy: { divert: ['*.contoso-partner.example'] } }), pki);
    expect(await probe(lab, direct)).toMatchObject({ reachable: true, route: 'DIRECT' });
    expect(lab.transparentProxy!.records).toHaveLength(0);
    expect(await probe(lab, direct, OTHER_HOST)).toMatchObject({ route: 'TRANSPARENT' });
    expect(lab.transparentProxy!.records).toHaveLength(1);
  });

  it('drops a TLS connection without SNI (it cannot know the destination)', async () => {
    await using lab = await startLab(baseLab({ transparentProxy: {} }), pki);
    const cloud = lab.cloud.endpoints.find((e) => e.host === CLOUD_HOST)!;
    const raw = await lab.hostTransport().connect(cloud.address, 443, { timeoutMs: 1_000 });
    const err = await new Promise<Error | undefined>((resolve) => {
      const s = tls.connect({ socket: raw, ca: [pki.trustedRoot.certPem] });
      s.once('secureConnect', () => resolve(undefined));
      s.once('error', resolve);
    });
    raw.destroy();
    expect(err).toBeInstanceOf(Error);
    const [rec] = await settled(lab.transparentProxy!.records);
    expect(rec).toMatchObject({ action: 'dropped', sni: null, upstreamResult: 'no-sni' });
  });

  it('closes everything on stop', async () => {
    const lab = await startLab(baseLab({ transparentProxy: {} }), pki);
    const tp = lab.transparentProxy!;
    const raw = await lab.hostTransport().connect(lab.cloud.endpoints[0]!.address, 443, { timeoutMs: 1_000 });
    raw.on('error', () => undefined);
    const closed = new Promise<void>((r) => raw.once('close', () => r()));
    await lab.stop();
    await closed;
    const refused = await new Promise<string>((resolve) => {
      const s = tls.connect({ host: tp.address, port: tp.port, servername: CLOUD_HOST });
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      s.once('secureConnect', () => {
        s.destroy();
        resolve('connected');
      });
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
