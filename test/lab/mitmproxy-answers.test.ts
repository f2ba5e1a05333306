/**
 * The built-in middlebox's `behaves: mitmproxy` answers (mitmproxy-answers.ts) against what the
 * real mitmproxy 8.1.1 sent (test/probe/fixtures/real-proxy-answers.txt): same status, headers
 * and length, and the probe decodes both alike.
 */
import { describe, expect, it } from 'vitest';
import { mitmproxyConnectFailure, mitmproxyErrorPage, mitmproxyUpstreamTlsText } from '../../src/lab/mitmproxy-answers.js';
import { classifyConnectResponse, headEvidence, parseConnectResponse } from '../../src/probe/connect-response.js';
import { attributeAnswer } from '../../src/probe/responder.js';
import { captured } from '../probe/real-proxy-answers.js';

const head = (raw: string) => headEvidence(parseConnectResponse(Buffer.from(raw))!);

describe('mitmproxy answers of the built-in middlebox', () => {
  it('does not trust the cloud: the same 502 page, byte for byte in length, named mitmproxy with its error text', () => {
    const real = captured("mitmproxy: does not trust the cloud's CA");
    const text = mitmproxyUpstreamTlsText({ code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', message: 'unable to get local issuer certificate' });
    expect(text).toBe('Certificate verify failed: unable to get local issuer certificate');
    const mine = head(mitmproxyErrorPage(502, text));
    expect(mine.status).toBe(real.status);
    for (const h of ['server', 'connection', 'content-type', 'content-length']) expect(mine.headers[h], h).toBe(real.headers[h]);
    for (const h of [real, mine]) {
      const who = attributeAnswer(h, { inspected: true, issuer: 'Contoso Inspection CA', purpose: 'ping' });
      expect(who).toMatchObject({ kind: 'middlebox', name: 'mitmproxy 8.1.1', signature: { errorId: text } });
    }
  });

  it("a handshake alert from the cloud reads as mitmproxy's OpenSSL Error, with Python's escaping and the same length", () => {
    const real = captured('mitmproxy (trusting the cloud CA): cloud TLS 1.2 demands a client cert');
    const text = mitmproxyUpstreamTlsText({ code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', message: 'C0F7:error:0A000410:SSL routines::sslv3 alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 40' });
    expect(text).toBe("OpenSSL Error([('SSL routines', '', 'sslv3 alert handshake failure')])");
    expect(head(mitmproxyErrorPage(502, text)).headers['content-length']).toBe(real.headers['content-length']);
  });

  it('under an OpenSSL that names alerts "ssl/tls alert" (3.2+, Node 24), the copy still says what mitmproxy on OpenSSL 3.0 says', () => {
    // Node 24.22's message for the same alert (seen in the Node 24 CI leg, which failed before this).
    const text = mitmproxyUpstreamTlsText({ code: 'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE', message: '80:error:0A000410:SSL routines::ssl/tls alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:918:SSL alert number 40' });
    expect(text).toBe("OpenSSL Error([('SSL routines', '', 'sslv3 alert handshake failure')])");
  });

  it('CONNECT to a name it cannot resolve: the same plain-text 502, an upstream failure', () => {
    const real = captured('mitmproxy: CONNECT to a name it cannot resolve (raw)');
    const mine = head(mitmproxyConnectFailure('nosuch.test', 19445, { code: 'ENOTFOUND' }));
    expect(mine.status).toBe(502);
    expect(mine.headers['content-length']).toBe(real.headers['content-length']);
    expect(mine.body).toBe(real.body.trim());
    const ctx = { identity: 'LocalService', proxy: 'inspector:8080', target: 'nosuch.test:19445', hadCredentials: false };
    for (const h of [real, mine]) expect(classifyConnectResponse(h, ctx).code).toBe('PROXY_UPSTREAM_FAILED');
  });
});
