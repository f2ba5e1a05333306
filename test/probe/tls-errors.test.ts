import { describe, expect, it } from 'vitest';
import { classifyTlsError } from '../../src/probe/tls-errors.js';

const c = (code: string | undefined, message = '') => classifyTlsError({ code, message, afterHandshake: false, presentedClientCert: true }).code;

describe('classifyTlsError', () => {
  it('maps OpenSSL/node codes to probe codes', () => {
    expect(c('UNABLE_TO_VERIFY_LEAF_SIGNATURE')).toBe('TLS_UNTRUSTED_CERT');
    expect(c('SELF_SIGNED_CERT_IN_CHAIN')).toBe('TLS_UNTRUSTED_CERT');
    expect(c('UNABLE_TO_GET_ISSUER_CERT_LOCALLY')).toBe('TLS_UNTRUSTED_CERT');
    expect(c('CERT_HAS_EXPIRED')).toBe('TLS_CERT_EXPIRED');
    expect(c('ERR_TLS_CERT_ALTNAME_INVALID')).toBe('TLS_HOSTNAME_MISMATCH');
    expect(c('ERR_SSL_UNSUPPORTED_PROTOCOL')).toBe('TLS_PROTOCOL_VERSION');
    expect(c('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION')).toBe('TLS_PROTOCOL_VERSION');
    expect(c('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')).toBe('TLS_CLIENT_CERT_REJECTED');
    expect(c('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE')).toBe('TLS_CLIENT_CERT_REJECTED');
    expect(c('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA')).toBe('TLS_CLIENT_CERT_REJECTED');
    expect(c('ECONNRESET', 'socket hang up')).toBe('TLS_HANDSHAKE_FAILED');
    expect(c('ERR_SSL_WRONG_VERSION_NUMBER')).toBe('TLS_HANDSHAKE_FAILED');
  });

  it('names a reset and a close in the handshake as done by the path (issue 15: faults)', () => {
    const d = (code: string, message: string) => classifyTlsError({ code, message, afterHandshake: false, presentedClientCert: true }).detail;
    expect(d('ECONNRESET', 'read ECONNRESET')).toMatch(/reset \(TCP RST\) during the TLS handshake.*ClientHello/);
    // node gives a FIN in the handshake the code ECONNRESET: the message says it was a close.
    expect(d('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established')).toMatch(/closed \(TCP FIN\) during the TLS handshake/);
  });
});
