/**
 * The built-in components' `behaves: squid` answers (squid-answers.ts) against what the real
 * Squid 5.7 sent (test/probe/fixtures/real-proxy-answers.txt), and the probe decodes the lab's
 * copy and the real answer alike: same code, same responder, the same error identifier quoted.
 */
import { describe, expect, it } from 'vitest';
import { squidAnswer, squidConnectSituation, type SquidSituation } from '../../src/lab/squid-answers.js';
import { classifyConnectResponse, headEvidence, parseConnectResponse } from '../../src/probe/connect-response.js';
import { attributeAnswer } from '../../src/probe/responder.js';
import { captured } from '../probe/real-proxy-answers.js';

const ctx = { identity: 'LocalService', proxy: 'corp-proxy:8080', target: 'contosoatpsensorapi.atp.azure.com:443', hadCredentials: false };
const lab = (s: SquidSituation) => headEvidence(parseConnectResponse(Buffer.from(squidAnswer(s, { url: ctx.target, visibleHostname: 'corp-proxy' }).raw))!);

describe('squid answers of the built-in components', () => {
  it.each([
    ['denied', 'squid forward: CONNECT denied by ACL (raw)', 'PROXY_DENIED', 'ERR_ACCESS_DENIED'],
    ['name-unknown', 'squid forward: CONNECT to an unknown name (raw)', 'PROXY_UPSTREAM_FAILED', 'ERR_CANNOT_FORWARD'],
    ['refused', 'squid forward: CONNECT target refused', 'PROXY_UPSTREAM_FAILED', 'ERR_CONNECT_FAIL'],
  ] as const)('%s: same status and X-Squid-Error as the real Squid, decoded to the same code', (situation, title, code, errorId) => {
    const real = captured(title);
    const mine = lab(situation);
    expect(mine.status).toBe(real.status);
    expect(mine.headers['x-squid-error']).toBe(real.headers['x-squid-error']);
    expect(mine.headers['server']).toBe(real.headers['server']);
    if (real.headers['via']) expect(mine.headers['via']).toMatch(/^1\.1 \S+ \(squid\/5\.7\)$/);
    for (const head of [real, mine]) {
      const v = classifyConnectResponse(head, ctx);
      expect(v.code).toBe(code);
      expect(v.detail).toContain(errorId);
      expect(v.responder).toMatchObject({ kind: 'proxy', name: 'squid/5.7' });
    }
  });

  it('upstream-tls-failed: the 503 inside the bumped tunnel is the middlebox, never the cloud (not the legacy 503)', () => {
    const real = captured('squid bump: cloud TLS 1.2 demands a client cert squid does not hold');
    const mine = lab('upstream-tls-failed');
    expect(mine.status).toBe(503);
    expect(mine.headers['x-squid-error']).toBe(real.headers['x-squid-error']);
    for (const head of [real, mine]) {
      // Real mode (no lab marker): the 503 has the legacy ping's shape, but Squid signed it.
      const who = attributeAnswer(head, { inspected: true, issuer: 'Contoso Inspection CA', purpose: 'ping' });
      expect(who).toMatchObject({ kind: 'middlebox', name: 'squid/5.7', signature: { errorId: 'ERR_SECURE_CONNECT_FAIL' } });
    }
  });

  it('timed-out: 503 ERR_CONNECT_FAIL 110 as the real Squid sent when connect_timeout passed (not 504), upstream failed', () => {
    const real = captured('squid forward: CONNECT target does not answer (connect_timeout 3 seconds)');
    const mine = lab('timed-out');
    expect(real.status).toBe(503);
    expect(mine.status).toBe(real.status);
    expect(mine.headers['x-squid-error']).toBe(real.headers['x-squid-error']);
    for (const head of [real, mine]) expect(classifyConnectResponse(head, ctx)).toMatchObject({ code: 'PROXY_UPSTREAM_FAILED', detail: expect.stringContaining('ERR_CONNECT_FAIL') });
  });

  it('a block page after the bump (deny_info page): the real Squid\'s headers, a policy denial by the middlebox', () => {
    const real = captured('squid bump: block page after the bump (http_access deny, deny_info ERR_ATPNL_BLOCK)');
    const raw = squidAnswer('denied', { url: 'https://cloud.test/tri/sensor/api/ping', visibleHostname: 'vm', page: { status: 403, body: '<h1>Blocked by the web policy</h1>\n' } }).raw;
    const mine = headEvidence(parseConnectResponse(Buffer.from(raw))!);
    for (const h of ['x-squid-error', 'server', 'via', 'content-type', 'content-length', 'connection']) expect(mine.headers[h], h).toBe(real.headers[h]);
    expect(mine.headers['content-language']).toBeUndefined();
    for (const head of [real, mine]) {
      const who = attributeAnswer(head, { inspected: true, issuer: 'Contoso Inspection CA', purpose: 'ping' });
      expect(who).toMatchObject({ kind: 'middlebox', name: 'squid/5.7', signature: { errorId: 'ERR_ATPNL_BLOCK' } });
    }
  });

  it.each([
    ['squid forward: CONNECT without credentials, deny_info 401:ERR_CACHE_ACCESS_DENIED (raw)', 401, 'www-authenticate'],
    ['squid forward: CONNECT without credentials, deny_info 403 and reply_header_add Proxy-Authenticate (raw)', 403, 'proxy-authenticate'],
  ] as const)('%s: PROXY_AUTH_MISREPORTED naming Squid\'s page without the status prefix', (title, status, header) => {
    const real = captured(title);
    expect(real.status).toBe(status);
    expect(real.headers[header]).toBe('Basic realm="atp-netlab"');
    const mine = lab(status === 401 ? 'auth-401' : 'auth-403-challenge');
    expect(mine.status).toBe(status);
    for (const h of ['x-squid-error', 'server', header]) expect(mine.headers[h], h).toBe(real.headers[h]);
    for (const head of [real, mine]) {
      const v = classifyConnectResponse(head, ctx);
      expect(v).toMatchObject({ code: 'PROXY_AUTH_MISREPORTED', responder: { kind: 'proxy', name: 'squid/5.7' } });
      expect(v.detail).toContain('squid/5.7 ERR_CACHE_ACCESS_DENIED');
    }
  });

  it('407 names Squid and asks for Basic credentials', () => {
    const h = lab('auth-required');
    expect(h.status).toBe(407);
    expect(h.headers['proxy-authenticate']).toMatch(/^Basic realm=/);
    expect(classifyConnectResponse(h, ctx).code).toBe('PROXY_AUTH_REQUIRED');
  });

  it('the page is well formed: Content-Length is the body, the URL is escaped, the identifier closes it', () => {
    const raw = squidAnswer('refused', { url: 'a"<b>:443', visibleHostname: 'p', date: new Date(0) }).raw;
    const [head, body] = raw.split('\r\n\r\n');
    expect(Number(/Content-Length: (\d+)/.exec(head!)![1])).toBe(Buffer.byteLength(body!));
    expect(body).toContain('a&quot;&lt;b&gt;:443');
    expect(body).toContain('<!-- ERR_CONNECT_FAIL -->');
    expect(head).toContain('Date: Thu, 01 Jan 1970 00:00:00 GMT');
  });

  it.each([
    ['ENOTFOUND', 'name-unknown'],
    ['ECONNREFUSED', 'refused'],
    ['ETIMEDOUT', 'timed-out'],
    [undefined, 'refused'],
  ] as const)('node error %s is Squid situation %s', (code, situation) => {
    expect(squidConnectSituation(code)).toBe(situation);
  });
});
