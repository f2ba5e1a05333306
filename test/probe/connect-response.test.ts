import { describe, expect, it } from 'vitest';
import { classifyConnectResponse, headEvidence, parseConnectResponse } from '../../src/probe/connect-response.js';

const ctx = { identity: 'LocalService', proxy: 'p:8080', target: 'h:443', hadCredentials: false };
const head = (s: string) => parseConnectResponse(Buffer.from(s))!;

describe('parseConnectResponse', () => {
  it('waits for the whole head, then splits the rest', () => {
    expect(parseConnectResponse(Buffer.from('HTTP/1.1 200 Conn'))).toBeUndefined();
    const h = head('HTTP/1.1 200 Connection Established\r\nX-A: b\r\n\r\n\x16\x03');
    expect(h).toMatchObject({ status: 200, reason: 'Connection Established', headers: { 'x-a': 'b' } });
    expect([...h.rest]).toEqual([0x16, 0x03]);
  });
  it('rejects a non-HTTP answer', () => {
    expect(() => parseConnectResponse(Buffer.from('\x15\x03\x01\x00\x02\x02\x28'))).toThrow(/did not answer HTTP/);
  });
});

describe('classifyConnectResponse', () => {
  it.each([
    ['HTTP/1.1 200 OK\r\n\r\n', undefined],
    ['HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="x"\r\n\r\n', 'PROXY_AUTH_REQUIRED'],
    ['HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: NTLM\r\n\r\n', 'PROXY_AUTH_MISREPORTED'],
    ['HTTP/1.1 401 Unauthorized\r\n\r\n', 'PROXY_AUTH_MISREPORTED'],
    ['HTTP/1.1 403 Forbidden\r\nProxy-Authenticate: Negotiate\r\n\r\n', 'PROXY_AUTH_MISREPORTED'],
    ['HTTP/1.1 403 Forbidden\r\n\r\n', 'PROXY_DENIED'],
    ['HTTP/1.1 405 Method Not Allowed\r\n\r\n', 'PROXY_DENIED'],
    ['HTTP/1.1 502 Bad Gateway\r\n\r\n', 'PROXY_UPSTREAM_FAILED'],
    ['HTTP/1.1 503 Service Unavailable\r\n\r\n', 'PROXY_UPSTREAM_FAILED'],
    ['HTTP/1.0 504 Gateway Timeout\r\n\r\n', 'PROXY_UPSTREAM_FAILED'],
    // Squid 5.7 when it cannot resolve the target or its parent is down (issue 9 §2: was PROXY_DENIED).
    ['HTTP/1.1 500 Internal Server Error\r\nServer: squid/5.7\r\nX-Squid-Error: ERR_CANNOT_FORWARD 0\r\n\r\n', 'PROXY_UPSTREAM_FAILED'],
    ['HTTP/1.1 500 Internal Server Error\r\n\r\n', 'PROXY_UPSTREAM_FAILED'],
    ['HTTP/1.1 503 Service Unavailable\r\nServer: squid/5.7\r\nX-Squid-Error: ERR_CONNECT_FAIL 111\r\n\r\n', 'PROXY_UPSTREAM_FAILED'],
    ['HTTP/1.1 403 Forbidden\r\nServer: squid/5.7\r\nX-Squid-Error: ERR_ACCESS_DENIED 0\r\n\r\n', 'PROXY_DENIED'],
  ])('%j → %s', (raw, code) => {
    const v = classifyConnectResponse(headEvidence(head(raw)), ctx);
    expect(v.ok).toBe(code === undefined);
    expect(v.code).toBe(code);
  });
  it('quotes a block page body in the detail', () => {
    const v = classifyConnectResponse(headEvidence(head('HTTP/1.1 403 Forbidden\r\n\r\nBlocked by corporate policy')), ctx);
    expect(v.detail).toContain('Blocked by corporate policy');
  });
});
