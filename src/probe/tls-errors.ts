/**
 * Sans-IO: map a TLS failure, as node/OpenSSL reports it, to the probe's code.
 */
import type { ProbeCode } from './outcome.js';

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

export interface TlsErrorFacts {
  code?: string;
  message: string;
  /** Whether the local handshake had completed when the error came (TLS 1.3 client-cert rejections arrive after). */
  afterHandshake: boolean;
  presentedClientCert: boolean;
}

export function classifyTlsError(e: TlsErrorFacts): { code: ProbeCode; detail: string } {
  const c = e.code ?? '';
  const m = e.message;
  if (UNTRUSTED.has(c)) return { code: 'TLS_UNTRUSTED_CERT', detail: `server certificate not trusted (${c})` };
  if (EXPIRED.has(c)) return { code: 'TLS_CERT_EXPIRED', detail: `server certificate validity (${c})` };
  if (c === 'ERR_TLS_CERT_ALTNAME_INVALID') return { code: 'TLS_HOSTNAME_MISMATCH', detail: m };
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST/i.test(c + ' ' + m)) {
    // The peer's first bytes were not a TLS record at all: something answered port 443 in
    // plain HTTP (a web filter's block page, a misrouted web server), not an old TLS stack.
    return { code: 'TLS_HANDSHAKE_FAILED', detail: `the server did not answer with TLS (${c || m}): something on the path speaks plain HTTP on this port` };
  }
  if (/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|VERSION_TOO_LOW|NO_PROTOCOLS_AVAILABLE|TLSV1_ALERT_PROTOCOL_VERSION/i.test(c + ' ' + m)) {
    return { code: 'TLS_PROTOCOL_VERSION', detail: `no TLS 1.2+ agreement (${c || m})` };
  }
  if (/CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED|ACCESS_DENIED/i.test(c + ' ' + m)) {
    return {
      code: 'TLS_CLIENT_CERT_REJECTED',
      detail: `the peer rejected ${e.presentedClientCert ? "the sensor's client certificate" : 'the handshake because no client certificate was presented'} (${c || m})`,
    };
  }
  // node reports a FIN in the handshake as ECONNRESET too, with this message: test it first.
  if (/disconnected before secure TLS connection/i.test(m) && !e.afterHandshake) {
    return { code: 'TLS_HANDSHAKE_FAILED', detail: `the connection was closed (TCP FIN) during the TLS handshake, with no TLS alert: a device on the path cut it (${c ? c + ': ' : ''}${m})` };
  }
  if (c === 'ECONNRESET' && !e.afterHandshake) {
    // No alert, just a TCP reset once the ClientHello is out: a proxy, firewall or IPS on the
    // path that filters on the TLS server name (SNI) or kills flows it does not like.
    return { code: 'TLS_HANDSHAKE_FAILED', detail: `the connection was reset (TCP RST) during the TLS handshake, with no TLS alert: a device on the path that filters on the server name (SNI) resets like this once the ClientHello is out (${m})` };
  }
  return { code: 'TLS_HANDSHAKE_FAILED', detail: `${c ? c + ': ' : ''}${m}` };
}

/**
 * The alert a peer sent, from node's error code: OpenSSL names a received alert
 * `SSL_R_SSLV3_ALERT_*` / `TLSV1_ALERT_*` / `TLSV13_ALERT_*`, node prefixes `ERR_SSL_`
 * (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED → `certificate_required`).
 */
export function receivedAlertName(code: string | undefined): string | undefined {
  const m = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)$/.exec(code ?? '');
  return m ? m[1]!.toLowerCase() : undefined;
}

/**
 * The alert OpenSSL sends for a failure our side detects in the handshake, where it sends one
 * (ssl/statem: SSLfatal with SSL_AD_PROTOCOL_VERSION for version problems). Verification of
 * the chain and the host name is node's, after OpenSSL's handshake: node destroys the socket
 * and sends no alert.
 */
export function sentAlertName(code: string | undefined): string | undefined {
  if (/UNSUPPORTED_PROTOCOL|VERSION_TOO_LOW|NO_PROTOCOLS_AVAILABLE|WRONG_VERSION_NUMBER/.test(code ?? '')) return 'protocol_version';
  if (/NO_SHARED_CIPHER|NO_CIPHERS_AVAILABLE/.test(code ?? '')) return 'handshake_failure';
  return undefined;
}
