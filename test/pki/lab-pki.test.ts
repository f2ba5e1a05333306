import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabPki } from '../../src/pki/index.js';

describe('lab PKI', () => {
  it('generates every role cold, keys 0600, and reuses the cache', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pki-'));
    const certs = path.join(dir, 'certs');
    const pki = await LabPki.load(certs);
    for (const f of fs.readdirSync(certs).filter((f) => f.endsWith('.key'))) {
      expect(fs.statSync(path.join(certs, f)).mode & 0o777, f).toBe(0o600);
    }
    const again = await LabPki.load(certs);
    expect(again.trustedRoot.thumbprint).toBe(pki.trustedRoot.thumbprint);
    expect(again.clientCert.thumbprint).toBe(pki.clientCert.thumbprint);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('issues chains that verify to the right roots, and negative cases that do not', async () => {
    const pki = await LabPki.load(fs.mkdtempSync(path.join(os.tmpdir(), 'pki-')));
    const root = new crypto.X509Certificate(pki.trustedRoot.certPem);
    const issuing = new crypto.X509Certificate(pki.cloudIssuingCa.certPem);
    const leaf = new crypto.X509Certificate(pki.leaf('x.atp.azure.com').certPem);
    expect(leaf.verify(issuing.publicKey)).toBe(true);
    expect(issuing.verify(root.publicKey)).toBe(true);
    expect(leaf.checkHost('x.atp.azure.com')).toBe('x.atp.azure.com');
    expect(pki.leaf('x.atp.azure.com').chainPem).toContain(pki.cloudIssuingCa.certPem.trim());

    const client = new crypto.X509Certificate(pki.clientCert.certPem);
    expect(client.verify(new crypto.X509Certificate(pki.sensorCa.certPem).publicKey)).toBe(true);
    expect(new crypto.X509Certificate(pki.unenrolledClientCert.certPem).verify(new crypto.X509Certificate(pki.sensorCa.certPem).publicKey)).toBe(false);

    const forged = new crypto.X509Certificate(pki.leaf('x.atp.azure.com', { issuer: 'middlebox' }).certPem);
    expect(forged.verify(new crypto.X509Certificate(pki.middleboxCa.certPem).publicKey)).toBe(true);
    expect(forged.verify(issuing.publicKey)).toBe(false);

    const expired = new crypto.X509Certificate(pki.leaf('x.atp.azure.com', { expired: true }).certPem);
    expect(Date.parse(expired.validTo)).toBeLessThan(Date.now());
    expect(new crypto.X509Certificate(pki.leaf('x.atp.azure.com', { subjectHost: 'other.example' }).certPem).checkHost('x.atp.azure.com')).toBeUndefined();
  });
});
