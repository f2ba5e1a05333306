/**
 * The middlebox's vendor profiles (FortiGate client-certificate, Palo Alto exclusion cache,
 * Zscaler bypass list), each run from its catalogue scenario on real sockets and checked from
 * the middlebox's own records and the mock cloud's, not only from the probe's outcome. The
 * pinned client of the Zscaler case is a real `openssl s_client -verify_return_error`.
 */
import { describe, expect, it } from 'vitest';
import { StartedInprocLab } from '../../src/engines/inproc/inproc-engine.js';
import type { MiddleboxRecord } from '../../src/lab/middlebox.js';
import { compileScenario } from '../../src/scenario/compile-plan.js';
import { compareOutcome } from '../../src/scenario/expectations.js';
import { loadScenarioFile } from '../../src/scenario/load-scenario.js';
import { attemptRounds } from '../../src/scenario/run-scenario.js';
import { testPki } from '../helpers/lab-fixtures.js';
import { OPENSSL_MISSING, opensslThroughProxy } from '../helpers/openssl-cli.js';
import { settled } from './inspection-fixtures.js';

const CLOUD = 'contosoatpsensorapi.atp.azure.com';

/** Starts the scenario's lab, runs its checks round by round, and hands the lab to `inspect` before disposing it. */
async function runWithLab(file: string, inspect: (lab: StartedInprocLab, records: MiddleboxRecord[], name: string) => Promise<void> | void, cloud?: { clientCert: 'require'; maxTlsVersion?: 'TLSv1.2' }): Promise<void> {
  const loaded = await loadScenarioFile(file);
  // The real sensor API rejects a missing certificate in the handshake: the same scenario against such a cloud.
  if (cloud) loaded.scenario.cloudEndpoints.endpoints = [{ host: CLOUD, ...cloud }];
  const { plan, expectations } = await compileScenario(loaded);
  await using lab = await StartedInprocLab.start(plan, await testPki());
  for (const round of attemptRounds(plan.checks)) {
    const observed = await Promise.all(round.map((i) => lab.runCheck(plan.checks[i]!)));
    round.forEach((i, k) => expect(compareOutcome(expectations[i]!, observed[k]!), `${plan.checks[i]!.identity} attempt ${plan.checks[i]!.attempt ?? 1}`).toEqual([]));
  }
  const name = loaded.scenario.network.middleboxes[0]!.name;
  const box = lab.middleboxes.get(name)!;
  await inspect(lab, await settled(box.records, box.records.length), name);
}

describe('FortiGate client-certificate (the middlebox probes the server first)', () => {
  it('bypass: the server asked, the sensor\'s own TLS is spliced and its certificate reaches the cloud', async () => {
    await runWithLab('scenarios/vendor-fortigate-client-cert-bypass.yaml', (lab, records) => {
      const sensorSide = records.filter((r) => r.sni === CLOUD);
      expect(sensorSide.length).toBeGreaterThanOrEqual(3);
      for (const r of sensorSide) expect(r).toMatchObject({ action: 'spliced', clientCertRequested: true, decrypted: false, policy: expect.stringContaining('client-certificate bypass') });
      expect(lab.cloud.records.length).toBeGreaterThan(0);
      expect(lab.cloud.records.every((r) => r.enrolled && r.fromHop === 'fortigate')).toBe(true);
    });
  });

  for (const maxTlsVersion of ['TLSv1.2', undefined] as const) {
    it(`bypass against a cloud that requires the certificate (${maxTlsVersion ?? 'TLSv1.3'}): the probe sees the request, the sensor's session is spliced`, async () => {
      await runWithLab(
        'scenarios/vendor-fortigate-client-cert-bypass.yaml',
        (lab, records) => {
          const sensorSide = records.filter((r) => r.sni === CLOUD);
          for (const r of sensorSide) expect(r).toMatchObject({ action: 'spliced', clientCertRequested: true });
          expect(lab.cloud.records.every((r) => r.enrolled && r.tlsVersion === (maxTlsVersion ?? 'TLSv1.3'))).toBe(true);
          // TLS 1.2: the cloud fails each probe's handshake (no certificate), and says who probed.
          if (maxTlsVersion) {
            expect(lab.cloud.handshakeFailures.length).toBeGreaterThanOrEqual(sensorSide.length);
            expect(lab.cloud.handshakeFailures.every((f) => f.fromHop === 'fortigate')).toBe(true);
          }
        },
        { clientCert: 'require', ...(maxTlsVersion ? { maxTlsVersion } : {}) },
      );
    });
  }

  it('block: the server asked, the sensor gets a reset and nothing reaches the cloud\'s HTTP', async () => {
    await runWithLab('scenarios/vendor-fortigate-client-cert-block.yaml', (lab, records) => {
      expect(records.length).toBeGreaterThanOrEqual(3);
      for (const r of records) expect(r).toMatchObject({ action: 'blocked', clientCertRequested: true, decrypted: false });
      expect(lab.cloud.records).toEqual([]);
    });
  });

  it('inspect: the server asked, the session is intercepted and the cloud sees no client certificate', async () => {
    await runWithLab('scenarios/vendor-fortigate-client-cert-inspect.yaml', (lab, records) => {
      for (const r of records) expect(r).toMatchObject({ action: 'intercepted', clientCertRequested: true, clientCertPresentedUpstream: false, decrypted: true });
      expect(lab.cloud.records.length).toBeGreaterThan(0);
      expect(lab.cloud.records.every((r) => r.clientCertThumbprint === null)).toBe(true);
    });
  });
});

describe('Palo Alto Local SSL Decryption Exclusion Cache', () => {
  it('the first session is decrypted and fails, the server is cached, later sessions are spliced', async () => {
    await runWithLab('scenarios/vendor-paloalto-exclusion-cache.yaml', (lab, records) => {
      const [first, ...later] = records;
      expect(first).toMatchObject({ action: 'intercepted', clientCertRequested: true, upstreamResult: 'client-auth-excluded', decrypted: true, policy: expect.stringContaining('excluded from decryption') });
      expect(later.length).toBeGreaterThanOrEqual(2);
      for (const r of later) expect(r).toMatchObject({ action: 'spliced', decrypted: false, policy: expect.stringContaining('exclusion cache') });
      // The cloud answered only the spliced sessions, with the sensor's own certificate.
      expect(lab.cloud.records.length).toBeGreaterThan(0);
      expect(lab.cloud.records.every((r) => r.enrolled)).toBe(true);
    });
  });
});

describe('Palo Alto against a TLS 1.2 cloud that fails the handshake without a certificate', () => {
  it('the failed handshake carried the CertificateRequest: cached, later sessions spliced and enrolled', async () => {
    await runWithLab(
      'scenarios/vendor-paloalto-exclusion-cache.yaml',
      (lab, records) => {
        const [first, ...later] = records;
        expect(first).toMatchObject({ action: 'intercepted', clientCertRequested: true, upstreamResult: 'client-auth-excluded' });
        for (const r of later) expect(r).toMatchObject({ action: 'spliced' });
        expect(lab.cloud.handshakeFailures.map((f) => f.fromHop)).toEqual(['paloalto']);
      },
      { clientCert: 'require', maxTlsVersion: 'TLSv1.2' },
    );
  });
});

describe('Zscaler SSL inspection bypass list', () => {
  it('on the list: spliced, the check passes though the host does not trust the Zscaler root', async () => {
    await runWithLab('scenarios/vendor-zscaler-bypass-list.yaml', (_lab, records) => {
      for (const r of records) expect(r).toMatchObject({ action: 'spliced', decrypted: false });
    });
  });

  it.skipIf(OPENSSL_MISSING !== undefined)(`off the list: intercepted; a pinned (verifying) openssl client sends unknown_ca, which the middlebox receives${OPENSSL_MISSING ? ` (skipped: ${OPENSSL_MISSING})` : ''}`, async () => {
    await runWithLab('scenarios/vendor-zscaler-off-bypass-list.yaml', async (lab, records, name) => {
      // The probe (node) closes the connection once the chain does not verify.
      for (const r of records) expect(r).toMatchObject({ action: 'intercepted', decrypted: false });
      const box = lab.middleboxes.get(name)!;
      const pki = await testPki();
      const before = box.records.length;
      const { code, out } = await opensslThroughProxy({ address: box.address, port: box.port }, CLOUD, `${pki.dir}/trusted-root.pem`);
      expect(code, out).not.toBe(0);
      expect(out).toMatch(/unable to (get local issuer|verify the first) certificate|verify error/i);
      const [rec] = await settled(box.records.slice(before));
      expect(rec).toMatchObject({ from: '127.0.0.1', action: 'intercepted', decrypted: false });
      expect(rec!.sensorResult).toBe('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
    });
  }, 20_000);
});
