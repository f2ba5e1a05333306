/**
 * Sans-IO: the answers a real mitmproxy 8.1.1 (regular mode, intercepting) gives where the
 * built-in middlebox meets the same failure, so `behaves: mitmproxy` answers as a customer's
 * mitmproxy would (issue 9 §4). From mitmproxy's own code (proxy/layers/http/_base.py
 * format_error, _http1.py make_error_response, proxy/layers/tls.py) and checked against the
 * real program (test/probe/fixtures/real-proxy-answers.txt):
 *
 *   upstream certificate not trusted   502 inside the tunnel, "Certificate verify failed: <OpenSSL's
 *                                      verify error>" (ssl_verify_upstream_trusted_ca lacks the root)
 *   upstream handshake alert           502 inside the tunnel, "OpenSSL Error([('SSL routines', '',
 *                                      '<reason>')])" (e.g. the cloud wants a client certificate)
 *   TLS 1.3 certificate_required       no answer: the request stalls (the middlebox holds it)
 *   CONNECT target unreachable         502 on CONNECT, plain text "Cannot connect to h:p: <error>"
 */
import http from 'node:http';

export const MITMPROXY_VERSION = 'mitmproxy 8.1.1';

/** Python's html.escape(s, quote=True), which mitmproxy's error page uses. */
function pyHtmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}

/** mitmproxy's HTML error page (format_error) as a whole HTTP/1.1 answer (make_error_response). */
export function mitmproxyErrorPage(status: number, message: string): string {
  const reason = http.STATUS_CODES[status] ?? 'Unknown';
  const body =
    `<html>\n<head>\n    <title>${status} ${reason}</title>\n</head>\n<body>\n    <h1>${status} ${reason}</h1>\n` +
    `    <p>${pyHtmlEscape(message)}</p>\n</body>\n</html>`;
  return `HTTP/1.1 ${status} ${reason}\r\nServer: ${MITMPROXY_VERSION}\r\nConnection: close\r\nContent-Type: text/html\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** node's codes for a certificate OpenSSL did not verify (the message is X509_verify_cert_error_string's). */
const VERIFY_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
]);

/** What mitmproxy says when its TLS to the server fails, from node's error for the same failure. */
export function mitmproxyUpstreamTlsText(e: { code?: string; message: string }): string {
  if (e.code && VERIFY_CODES.has(e.code)) return `Certificate verify failed: ${e.message}`;
  if (e.code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'Certificate verify failed: Hostname mismatch';
  // node: "…:error:0A000410:SSL routines::sslv3 alert handshake failure:…" → OpenSSL's reason.
  const reason = /SSL routines:[^:]*:([^:]+)/.exec(e.message)?.[1] ?? e.message;
  return `OpenSSL Error([('SSL routines', '', '${asOpenSsl30(reason)}')])`;
}

/**
 * mitmproxy 8.1.1 on Debian 12 runs on OpenSSL 3.0, which names received alerts "sslv3 alert
 * …"; OpenSSL 3.2 renamed them "ssl/tls alert …" (Node 24 bundles 3.5). The copy says what
 * the real mitmproxy says, whichever OpenSSL this Node carries.
 */
export function asOpenSsl30(reason: string): string {
  return reason.replace(/^ssl\/tls alert /, 'sslv3 alert ');
}

/** mitmproxy's answer to a CONNECT whose target it cannot reach (plain text, no Server header). */
export function mitmproxyConnectFailure(host: string, port: number, e: { code?: string; message?: string; address?: string }): string {
  const why =
    e.code === 'ENOTFOUND' ? '[Errno -2] Name or service not known'
    : e.code === 'ECONNREFUSED' ? `[Errno 111] Connect call failed ('${e.address ?? host}', ${port})`
    : (e.message ?? e.code ?? 'connection failed'); // not captured from the real program for other errors
  const body = `Cannot connect to ${host}:${port}: ${why}`;
  return `HTTP/1.1 502 Bad Gateway\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}
