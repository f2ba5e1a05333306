import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { TRUST_ROOTS, requiredRoots } from '../../src/catalog/index.js';

// The truth comes from outside: Node's bundled Mozilla store and Debian's ca-certificates.
const bundled = rootCertificates.map((pem) => new X509Certificate(pem));
const DEBIAN_DIR = '/etc/ssl/certs';

describe('trust roots', () => {
  it('names the commercial and GCC High roots as Microsoft\'s known-issues page does', () => {
    expect(requiredRoots('commercial').map((r) => r.name)).toEqual(['DigiCert Global Root G2']);
    expect(requiredRoots('gcc-high').map((r) => r.name)).toEqual(['DigiCert Global Root CA']);
    expect(requiredRoots('commercial').some((r) => r.name.startsWith('Baltimore'))).toBe(false);
  });

  for (const root of TRUST_ROOTS.filter((r) => !r.retired)) {
    it(`${root.name}: fingerprints and expiry match the certificate in Node's bundled store`, () => {
      const cert = bundled.find((c) => c.fingerprint256 === root.sha256);
      expect(cert, `${root.name} not found by SHA-256 in tls.rootCertificates`).toBeDefined();
      expect(cert!.fingerprint).toBe(root.sha1);
      expect(cert!.subject).toContain(`CN=${root.name}`);
      expect(new Date(cert!.validTo).toISOString()).toBe(new Date(root.notAfter).toISOString());
    });
  }

  const baltimoreFile = `${DEBIAN_DIR}/Baltimore_CyberTrust_Root.pem`;
  it.skipIf(!existsSync(baltimoreFile))(`Baltimore CyberTrust Root matches ${baltimoreFile} and is expired (skipped when the file is absent)`, () => {
    const root = TRUST_ROOTS.find((r) => r.name === 'Baltimore CyberTrust Root')!;
    const cert = new X509Certificate(readFileSync(baltimoreFile));
    expect(cert.fingerprint256).toBe(root.sha256);
    expect(cert.fingerprint).toBe(root.sha1);
    expect(new Date(cert.validTo).getTime()).toBe(new Date(root.notAfter).getTime());
    expect(new Date(cert.validTo).getTime()).toBeLessThan(Date.parse('2025-06-01T00:00:00Z'));
  });
});
