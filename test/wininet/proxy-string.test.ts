import { describe, expect, it } from 'vitest';
import { isBypassed, bypassReason, isLoopbackHost, parseBypassList } from '../../src/wininet/bypass-list.js';
import { parseHostPort } from '../../src/wininet/host-port.js';
import { parseProxyString, proxyForUrl } from '../../src/wininet/proxy-string.js';
import { parsePacResult } from '../../src/wininet/pac-result.js';
import { wpadHostCandidates } from '../../src/wininet/wpad.js';

const https = new URL('https://triprd1wceun1sensorapi.atp.azure.com/tri/sensor/api/ping');
const http = new URL('http://crl.microsoft.com/pki/crl');

describe('proxy string', () => {
  it('uses one host:port for every scheme', () => {
    const p = parseProxyString('proxy.contoso.com:8080');
    expect(proxyForUrl(p, https)).toEqual({ kind: 'PROXY', host: 'proxy.contoso.com', port: 8080 });
    expect(proxyForUrl(p, http)).toEqual({ kind: 'PROXY', host: 'proxy.contoso.com', port: 8080 });
  });

  it('uses the https= entry for https URLs', () => {
    const p = parseProxyString('http=web:80;https=secure:3128;ftp=f:21');
    expect(proxyForUrl(p, https)).toEqual({ kind: 'PROXY', host: 'secure', port: 3128 });
    expect(proxyForUrl(p, http)).toEqual({ kind: 'PROXY', host: 'web', port: 80 });
  });

  it('goes direct for https when only http= is given', () => {
    expect(proxyForUrl(parseProxyString('http=web:8080'), https)).toEqual({ kind: 'DIRECT' });
  });

  it('falls back to a bare entry, tolerates scheme:// prefixes, spaces and a missing port', () => {
    const p = parseProxyString(' http=http://web:81/ ;  fallback ');
    expect(proxyForUrl(p, https)).toEqual({ kind: 'PROXY', host: 'fallback', port: 80 });
    expect(proxyForUrl(p, http)).toEqual({ kind: 'PROXY', host: 'web', port: 81 });
  });

  it('ignores socks and reports it', () => {
    const p = parseProxyString('socks=s:1080');
    expect(proxyForUrl(p, https)).toEqual({ kind: 'DIRECT' });
    expect(p.issues.join()).toMatch(/socks.*ignored/i);
  });

  it('reports bad entries and keeps IPv6 literals', () => {
    const p = parseProxyString('https=[2001:db8::1]:8443;http=bad:99999');
    expect(proxyForUrl(p, https)).toEqual({ kind: 'PROXY', host: '2001:db8::1', port: 8443 });
    expect(p.issues).toHaveLength(1);
    expect(parseHostPort('a:b')).toEqual({ error: 'bad port "b" in "a:b"' });
    expect(parseHostPort('http://user:pw@p:3128')).toEqual({ host: 'p', port: 3128 });
  });
});

describe('bypass list', () => {
  it('matches wildcards case-insensitively, separated by ; , or spaces', () => {
    const l = parseBypassList('*.Contoso.com; 10.*,intranet  *.atp.azure.com');
    expect(isBypassed(l, new URL('https://www.contoso.COM/'))).toBe(true);
    expect(isBypassed(l, new URL('https://contoso.com/'))).toBe(false);
    expect(isBypassed(l, new URL('http://10.1.2.3/'))).toBe(true);
    expect(isBypassed(l, new URL('http://intranet/'))).toBe(true);
    expect(bypassReason(l, https)).toBe('*.atp.azure.com');
  });

  it('<local> bypasses dotless names only', () => {
    const l = parseBypassList('<local>');
    expect(bypassReason(l, new URL('http://intranet/'))).toBe('<local>');
    expect(isBypassed(l, new URL('http://intranet.contoso.com/'))).toBe(false);
    expect(isBypassed(l, new URL('http://[2001:db8::1]/'))).toBe(false);
  });

  it('always bypasses loopback unless <-loopback>', () => {
    for (const u of ['http://localhost/', 'http://127.0.0.1/', 'http://127.5.6.7:8080/', 'http://[::1]/']) {
      expect(bypassReason(parseBypassList(''), new URL(u))).toBe('loopback');
      expect(isBypassed(parseBypassList('<-loopback>'), new URL(u))).toBe(false);
    }
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
  });

  it('honours scheme and port qualifiers', () => {
    const l = parseBypassList('https://secure.contoso.com;web.contoso.com:8080');
    expect(isBypassed(l, new URL('https://secure.contoso.com/'))).toBe(true);
    expect(isBypassed(l, new URL('http://secure.contoso.com/'))).toBe(false);
    expect(isBypassed(l, new URL('http://web.contoso.com:8080/'))).toBe(true);
    expect(isBypassed(l, new URL('http://web.contoso.com/'))).toBe(false);
  });
});

describe('PAC results', () => {
  it('keeps the order of candidates and defaults the port', () => {
    expect(parsePacResult('PROXY a:1; proxy b ;DIRECT').candidates).toEqual([
      { kind: 'PROXY', host: 'a', port: 1 },
      { kind: 'PROXY', host: 'b', port: 80 },
      { kind: 'DIRECT' },
    ]);
  });
  it('skips SOCKS/HTTPS keywords with an issue', () => {
    const r = parsePacResult('SOCKS s:1080; HTTPS h:443');
    expect(r.candidates).toEqual([]);
    expect(r.issues).toHaveLength(2);
  });
  it('treats non-strings as nothing usable', () => {
    expect(parsePacResult(undefined).candidates).toEqual([]);
    expect(parsePacResult('').candidates).toEqual([]);
  });
});

describe('WPAD candidates', () => {
  it('devolves each suffix down to two labels, without duplicates', () => {
    expect(wpadHostCandidates(['eu.corp.contoso.com', 'corp.contoso.com', 'com', 'fabrikam.local.'])).toEqual([
      'wpad.eu.corp.contoso.com',
      'wpad.corp.contoso.com',
      'wpad.contoso.com',
      'wpad.fabrikam.local',
    ]);
    expect(wpadHostCandidates([])).toEqual([]);
  });
});
