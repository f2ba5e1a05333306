/**
 * Whether a trust store holds the root the cloud chain ends at, for a cloud. Roots are matched
 * by SHA-256 fingerprint, never by name: a store holding a certificate *named* "DigiCert Global
 * Root G2" with another key still lacks the root. Pure over the store's certificates; reading
 * the machine stores from the registry is machine-root-store.ts.
 */
import { X509Certificate } from 'node:crypto';
import type { Cloud } from '../../catalog/endpoints.js';
import { TRUST_ROOTS, requiredRoots } from '../../catalog/trust-roots.js';
import { failed, type HostCheckResult } from './host-prerequisite-codes.js';
import { splitPemCertificates } from '../../pem-bundle.js';

/** `distrusted`: the Untrusted Certificates store; a root there is missing wherever else it is. */
export function checkRequiredRoots(store: readonly X509Certificate[], cloud: Cloud, nowMs: number, distrusted: readonly X509Certificate[] = []): HostCheckResult & { missing: string[]; notes: string[] } {
  const have = new Map(store.map((c) => [c.fingerprint256, c]));
  const untrusted = new Set(distrusted.map((c) => c.fingerprint256));
  const notes: string[] = [];
  const missing: string[] = [];
  for (const root of requiredRoots(cloud)) {
    const cert = have.get(root.sha256);
    if (untrusted.has(root.sha256)) {
      missing.push(root.name);
      notes.push(`${root.name} is in the Untrusted Certificates (Disallowed) store${cert ? ', which overrides its copy in a root store' : ''}`);
    } else if (!cert) {
      const impostor = store.find((c) => c.subject.split('\n').includes(`CN=${root.name}`));
      if (impostor) notes.push(`a certificate named "${root.name}" is present but is not the published root (SHA-256 ${impostor.fingerprint256})`);
      missing.push(root.name);
    } else if (Date.parse(cert.validTo) < nowMs) {
      missing.push(root.name);
      notes.push(`${root.name} is present but expired on ${cert.validTo}`);
    }
  }
  for (const retired of TRUST_ROOTS.filter((r) => r.retired && have.has(r.sha256))) notes.push(`${retired.name} is present (${retired.retired}); it no longer anchors the cloud chain`);
  if (missing.length === 0) return { check: 'required-roots', status: 'ok', detail: `the ${cloud} root is present`, missing, notes };
  return { ...failed('required-roots', 'HOST_ROOT_MISSING', `missing for ${cloud}: ${missing.join(', ')}${notes.length ? ` (${notes.join('; ')})` : ''}`), missing, notes };
}

/** PEM bundle text → certificates (a bad block is an error naming its index, not skipped). */
export function parsePemBundle(text: string): X509Certificate[] {
  return splitPemCertificates(text).map((b) => new X509Certificate(b));
}
