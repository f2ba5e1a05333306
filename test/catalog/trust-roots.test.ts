import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { TRUST_ROOTS, probeTrustAnchors, requiredRoots } from '../../src/catalog/index.js';

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
    // Node's bundled Mozilla store and Debian's ca-certificates are the outside truth; Mozilla
    // drops old roots over time (Node 24.22's bundle lacks DigiCert Global Root CA), so the
    // root must be in at least one of them, and match it wherever it is.
    const debianFile = `${DEBIAN_DIR}/${root.name.replaceAll(' ', '_')}.pem`;
    const outside = [
      ...bundled.filter((c) => c.subject.includes(`CN=${root.name}`)).map((c) => ({ from: 'tls.rootCertificates', cert: c })),
      ...(existsSync(debianFile) ? [{ from: debianFile, cert: new X509Certificate(readFileSync(debianFile)) }] : []),
    ];
    it(`${root.name}: fingerprints and expiry match Node's bundled store or ${debianFile}`, () => {
      expect(outside.length, `${root.name} is in neither Node's bundled store nor ${debianFile}`).toBeGreaterThan(0);
      for (const { from, cert } of outside) {
        expect(cert.fingerprint256, from).toBe(root.sha256);
        expect(cert.fingerprint, from).toBe(root.sha1);
        expect(new Date(cert.validTo).toISOString(), from).toBe(new Date(root.notAfter).toISOString());
      }
    });
    it(`${root.name}: the embedded certificate is the root itself`, () => {
      const cert = new X509Certificate(root.pem!);
      expect(cert.fingerprint256).toBe(root.sha256);
      expect(cert.subject).toContain(`CN=${root.name}`);
    });
  }

  it('the probe trusts every current root even when Node\'s bundle lacks it, without duplicates', () => {
    const current = TRUST_ROOTS.filter((r) => !r.retired);
    const withoutAny = rootCertificates.filter((p) => !current.some((r) => new X509Certificate(p).fingerprint256 === r.sha256));
    const prints = (pems: string[]) => pems.map((p) => new X509Certificate(p).fingerprint256);
    const anchors = prints(probeTrustAnchors(withoutAny, []));
    for (const r of current) expect(anchors.filter((f) => f === r.sha256)).toHaveLength(1);
    const full = [...withoutAny, ...current.map((r) => r.pem!)];
    expect(probeTrustAnchors(full, [])).toHaveLength(full.length);
  });

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
