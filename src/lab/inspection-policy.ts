/**
 * Sans-IO: what an inspecting middlebox does with one TLS connection, as the vendors' own
 * settings say, decided from facts the middlebox has learnt (no sockets, no clock of its own:
 * `nowMs` is given). middlebox.ts does the I/O and asks these questions; the table tests in
 * test/lab/inspection-policy.test.ts pin every answer (the mitmproxy "sans-IO layer" style).
 *
 *   ClientHello peeked ──▶ decideOnClientHello
 *     not TLS / mode none ──────────────────────────▶ tunnel
 *     SNI on the splice (bypass) list ──────────────▶ splice          (Zscaler "Do Not Inspect")
 *     server in the exclusion cache ────────────────▶ splice          (Palo Alto, 12 h)
 *     clientCertificate set ────────────────────────▶ probe           (FortiGate)
 *     otherwise ────────────────────────────────────▶ intercept
 *   probe answered ──▶ decideAfterProbe(serverRequestedClientCert)
 *     not requested ──▶ intercept
 *     requested ──────▶ bypass: splice │ inspect: intercept (no cert relayed) │ block: block
 *   intercepted, server sent a CertificateRequest ──▶ onUpstreamClientCertRequest
 *     exclusionCache ──▶ fail this session, cache the server │ otherwise ──▶ continue (no cert)
 *
 * Vendors modelled (sources in src/catalog/sources.ts, keys fortiosSslSshProfile,
 * panosExclusionCache, zscalerDeploySslInspection, zscalerCertificatePinning; VENDOR_SOURCES):
 * - FortiGate, `config firewall ssl-ssh-profile` → `config https` → `set client-certificate
 *   [bypass|inspect|block]` (FortiOS 6.4+; `client-cert-request` in 6.2): the action when the
 *   server asks for a client certificate. A middlebox learns of a CertificateRequest only from
 *   the server, and after its own ClientHello the upstream connection can no longer be handed
 *   to the sensor untouched. FortiGate resolves this by probing the server on a connection of
 *   its own before answering the client (the same profile has `cert-probe-failure
 *   [allow|block]`, the action when that probe fails, in FortiManager's ssl-ssh-profile
 *   objects); so does the lab: `probe` means one extra TLS connection to the server without a
 *   client certificate, closed once the server's flight is read, while the sensor's own
 *   connection waits unread. The cloud sees that probe as one more handshake (a failed one when
 *   it requires the certificate), as it would from a FortiGate.
 * - Palo Alto Networks, Local SSL Decryption Exclusion Cache: with a decryption profile that
 *   allows client authentication, a session to a server that requires it cannot be decrypted;
 *   the firewall adds the server to the cache and later sessions go through undecrypted, for
 *   12 hours. The first session was already decrypted (its forged chain sent), so it fails.
 * - Zscaler (ZIA): "Zscaler does not support the decryption of mutually authenticated TLS
 *   sessions": such destinations go on the SSL inspection bypass list. That list is the
 *   middlebox's splice list (`mode: splice`, `spliceHosts`); a destination not on it is
 *   intercepted, and a client that does not trust the Zscaler root ends the handshake itself
 *   (an `unknown_ca` alert from a verifying client such as openssl; node closes instead).
 */
import type { SourceKey } from '../catalog/sources.js';
import { matchesPattern } from '../host-pattern.js';

/** The public page each vendor setting models (src/catalog/sources.ts). */
export const VENDOR_SOURCES = {
  clientCertificate: 'fortiosSslSshProfile',
  exclusionCache: 'panosExclusionCache',
  spliceHosts: 'zscalerDeploySslInspection',
  pinnedClient: 'zscalerCertificatePinning',
} as const satisfies Record<string, SourceKey>;

export type ClientCertificateAction = 'bypass' | 'inspect' | 'block';

/** Palo Alto: "excluded from decryption for 12 hours and then ages out". */
export const EXCLUSION_CACHE_TTL_MS = 12 * 60 * 60 * 1000;

export const DEFAULT_SPLICE_HOSTS = ['*.atp.azure.com'];

export interface InspectionPolicy {
  mode: 'none' | 'splice' | 'intercept' | 'intercept-mutual';
  spliceHosts?: readonly string[];
  /** FortiGate `set client-certificate`; absent: the lab's own behaviour (intercept, no probe). */
  clientCertificate?: ClientCertificateAction;
  /** Palo Alto's automatic decryption exclusion for servers that ask for a client certificate. */
  exclusionCache?: boolean;
}

export type HelloDecision =
  | { action: 'tunnel'; why: string }
  | { action: 'splice'; why: string }
  | { action: 'probe'; why: string }
  | { action: 'intercept'; why: string };

export type ProbeDecision = { action: 'splice' | 'intercept' | 'block'; why: string };

export type UpstreamRequestDecision = { action: 'continue' | 'fail-and-exclude'; why: string };

/** Servers excluded from decryption, by `name:port`, with the time each entry ages out. */
export class ExclusionCache {
  private readonly entries = new Map<string, number>();

  has(key: string, nowMs: number): boolean {
    const until = this.entries.get(key);
    if (until === undefined) return false;
    if (until <= nowMs) {
      this.entries.delete(key);
      return false;
    }
    return true;
  }

  add(key: string, nowMs: number, ttlMs = EXCLUSION_CACHE_TTL_MS): void {
    this.entries.set(key, nowMs + ttlMs);
  }

  get size(): number {
    return this.entries.size;
  }
}

export function exclusionKey(name: string, port: number): string {
  return `${name.toLowerCase()}:${port}`;
}

export function decideOnClientHello(p: InspectionPolicy, hello: { isTls: boolean; name: string; excluded: boolean }): HelloDecision {
  if (!hello.isTls) return { action: 'tunnel', why: 'not TLS: nothing to inspect' };
  if (p.mode === 'none') return { action: 'tunnel', why: 'mode none' };
  if (p.mode === 'splice' && (p.spliceHosts ?? DEFAULT_SPLICE_HOSTS).some((pat) => matchesPattern(pat, hello.name))) {
    return { action: 'splice', why: `${hello.name} is on the splice (inspection bypass) list` };
  }
  if (p.exclusionCache && hello.excluded) return { action: 'splice', why: `${hello.name} is in the decryption exclusion cache (it asked for a client certificate)` };
  if (p.clientCertificate) return { action: 'probe', why: `client-certificate ${p.clientCertificate}: probe the server for a CertificateRequest first` };
  return { action: 'intercept', why: 'inspected' };
}

export function decideAfterProbe(p: InspectionPolicy, probe: { serverRequestedClientCert: boolean }): ProbeDecision {
  if (!probe.serverRequestedClientCert) return { action: 'intercept', why: 'the server did not ask for a client certificate' };
  switch (p.clientCertificate) {
    case 'bypass':
      return { action: 'splice', why: 'client-certificate bypass: the server asked for a client certificate, the session is not inspected' };
    case 'block':
      return { action: 'block', why: 'client-certificate block: the server asked for a client certificate, the session is blocked' };
    default:
      return { action: 'intercept', why: 'client-certificate inspect: inspected; the client certificate is not relayed' };
  }
}

export function onUpstreamClientCertRequest(p: InspectionPolicy): UpstreamRequestDecision {
  return p.exclusionCache
    ? { action: 'fail-and-exclude', why: 'the server requires client authentication: this session cannot be decrypted; the server is excluded from decryption from now on' }
    : { action: 'continue', why: p.mode === 'intercept-mutual' ? "the middlebox presents the sensor's certificate" : 'the middlebox holds no client certificate' };
}
