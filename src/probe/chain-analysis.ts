/**
 * Is the chain the sensor was shown the cloud's own, or a middlebox's re-signed one?
 * Decided from the presented chain alone, whether or not the handshake then succeeded.
 */
import type { PeerCertificate, DetailedPeerCertificate } from 'node:tls';

/** Roots the real ATP/MDI cloud chains to (2023: DigiCert Global Root G2; older: Baltimore). */
export const REAL_CLOUD_ROOTS = ['DigiCert Global Root G2', 'Baltimore CyberTrust Root'];

export interface ExpectedChain {
  /** Subject CNs of acceptable roots. */
  rootNames: string[];
  /** SHA-256 fingerprints (colon hex as node prints them) of acceptable roots, when known. */
  rootFingerprints?: string[];
}

export interface ChainFacts {
  /** CN of the leaf. */
  subject: string;
  /** CN (and O) of the leaf's issuer. */
  issuer: string;
  /** CN of the top of the presented chain (a root or the last intermediate). */
  top: string;
  names: string[];
  inspected: boolean;
}

type Cert = PeerCertificate | DetailedPeerCertificate;

function cn(name: Cert['subject'] | undefined): string {
  if (!name) return '?';
  const v = name.CN ?? name.O ?? '?';
  return Array.isArray(v) ? v.join(', ') : v;
}

export function analyzeChain(leaf: DetailedPeerCertificate | undefined, expected: ExpectedChain): ChainFacts | undefined {
  if (!leaf || !leaf.raw) return undefined;
  const chain: Cert[] = [];
  let c: DetailedPeerCertificate | undefined = leaf;
  const seen = new Set<string>();
  while (c && c.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    chain.push(c);
    c = c.issuerCertificate;
  }
  const last = chain[chain.length - 1]!;
  // The anchor is the last certificate's issuer: the root itself when it was sent or found in
  // the trust store, else the root that the last intermediate names.
  const anchorName = cn(last.issuer);
  const anchorIsExpected =
    expected.rootNames.some((n) => n === anchorName) ||
    (expected.rootFingerprints ?? []).some((f) => chain.some((x) => x.fingerprint256 === f));
  return {
    subject: cn(leaf.subject),
    issuer: `${cn(leaf.issuer)}${leaf.issuer?.O && leaf.issuer.O !== cn(leaf.issuer) ? ` (O=${leaf.issuer.O})` : ''}`,
    top: anchorName,
    names: chain.map((x) => cn(x.subject)),
    inspected: !anchorIsExpected,
  };
}

/** The chain as the outcome's detail states it. */
export function chainDetail(chain: ChainFacts | undefined): string {
  if (!chain) return '';
  return chain.inspected ? `INSPECTED: chain issued by ${chain.issuer}, anchored at ${chain.top} (not the cloud's root)` : `chain issued by ${chain.issuer}`;
}
