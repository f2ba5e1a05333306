/**
 * Every probe code this layer can produce, each from a lab component (or a loopback server)
 * that really behaves that way — real sockets, real TLS, the host trusting only the lab root.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInprocLab as startLab, type StartedInprocLab as StartedLab } from '../../src/engines/inproc/inproc-engine.js';
import type { LabPki } from '../../src/pki/index.js';
import { AtpNetlabError } from '../../src/errors.js';
import { checkUrl } from '../../src/probe/check-url.js';
import { lookupErrorCode, NetError } from '../../src/transport.js';
import { DIRECT, labProbeOptions, route, testPki, viaProxy } from '../helpers/lab-fixtures.js';

const WS = 'contosoatpsensorapi.atp.azure.com';
const url = (h: string) => `https://${h}/tri/sensor/api/ping`;

let pki: LabPki;
let lab: StartedLab;
const extraServers: net.Server[] = [];

beforeAll(async () => {
  pki = await testPki();
  lab = await startLab(
    {
      domain: 'contoso.example',
      cloud: {
        hosts: [
          { host: WS },
          { host: 'legacysensorapi.atp.azure.com', legacy: true },
          { host: 'untrusted.atp.azure.com', certificate: 'untrusted' },
          { host: 'expired.atp.azure.com', certificate: 'expired' },
          { host: 'wronghost.atp.azure.com', certificate: 'wrong-host' },
          { host: 'strict.atp.azure.com', clientCert: 'require' },
          { host: 'hang.atp.azure.com', fault: 'hang' },
          { host: 'broken.atp.azure.com', pingStatus: 500 },
          // Firewall rules match every name of an address (FQDN rules resolve to IPs), so the
          // dropped and rejected destinations get endpoints of their own.
          { host: 'blocked.atp.azure.com' },
          { host: 'rejected.atp.azure.com' },
        ],
      },
      proxies: [
        { name: 'open-proxy' },
        { name: 'atp-only', allow: ['*.atp.azure.com'] },
        { name: 'auth-proxy', auth: 'basic', credentials: { username: 'admin', password: 'pw' } },
        { name: 'proxy-401', auth: '401' },
        { name: 'proxy-403c', auth: '403-with-challenge' },
        { name: 'port-8443', ports: [8443] },
        { name: 'closer', onTargetFailure: 'close' },
      ],
      firewall: {
        default: 'allow',
        rules: [
          { to: 'blocked.atp.azure.com', action: 'drop' },
          { to: 'rejected.atp.azure.com', action: 'reject' },
        ],
      },
    },
    pki,
  );
});

const extraSockets = new Set<net.Socket>();
function track(server: net.Server): net.Server {
  extraServers.push(server);
  server.on('connection', (s: net.Socket) => extraSockets.add(s));
  server.on('secureConnection', (s: net.Socket) => extraSockets.add(s));
  return server;
}

afterAll(async () => {
  for (const s of extraSockets) s.destroy();
  for (const s of extraServers) await new Promise((r) => s.close(r));
  const t0 = performance.now();
  await lab?.stop();
  expect(performance.now() - t0).toBeLessThan(5_000);
});

const probe = (u: string, r = route(DIRECT), over = {}) => checkUrl(u, r, labProbeOptions(pki, lab.hostTransport(), over));

describe('checkUrl against the lab', () => {
  it('OK direct: ping 200 and the cloud saw the enrolled sensor certificate', async () => {
    const o = await probe(url(WS));
    expect(o).toMatchObject({ reachable: true, code: 'OK', step: 'http', inspected: false, route: 'DIRECT' });
    const rec = lab.cloud.records.filter((r) => r.host === WS && r.path.endsWith('/authenticated')).at(-1)!;
    expect(rec.clientCertThumbprint).toBe(pki.clientCert.thumbprint);
    expect(rec.enrolled).toBe(true);
    expect(rec.fromHop).toBe('windows-host');
  });

  it('OK through a proxy: the cloud saw the connection come from the proxy', async () => {
    const o = await probe(url(WS), route(viaProxy('atp-only')));
    expect(o).toMatchObject({ reachable: true, code: 'OK', route: 'PROXY atp-only:8080' });
    expect(lab.cloud.records.at(-1)!.fromHop).toBe('atp-only');
    expect(lab.proxies.get('atp-only')!.records.at(-1)).toMatchObject({ decision: 'tunnel', target: WS });
  });

  it('legacy 503 ping still counts as reachable', async () => {
    const o = await probe(url('legacysensorapi.atp.azure.com'));
    expect(o).toMatchObject({ reachable: true, code: 'OK', httpStatus: 503 });
    expect(o.detail).toContain('503');
  });

  it('DNS_NOT_FOUND for an unknown target and for an unknown proxy name (lab DNS answers only lab names)', async () => {
    expect(await probe(url('nosuchsensorapi.atp.azure.com'))).toMatchObject({ reachable: false, step: 'dns', code: 'DNS_NOT_FOUND' });
    const o = await probe(url(WS), route(viaProxy('no-such-proxy')));
    expect(o).toMatchObject({ step: 'dns', code: 'DNS_NOT_FOUND' });
    expect(o.detail).toContain('proxy no-such-proxy');
  });

  it('TCP_TIMEOUT when the egress firewall drops, TCP_REFUSED when it rejects', async () => {
    const t0 = performance.now();
    const dropped = await probe(url('blocked.atp.azure.com'));
    expect(dropped).toMatchObject({ step: 'tcp', code: 'TCP_TIMEOUT' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    expect(await probe(url('rejected.atp.azure.com'))).toMatchObject({ step: 'tcp', code: 'TCP_REFUSED' });
  });

  it('PROXY_AUTH_REQUIRED on 407 without credentials; credentials get through', async () => {
    const o = await probe(url(WS), route(viaProxy('auth-proxy')));
    expect(o).toMatchObject({ step: 'proxy', code: 'PROXY_AUTH_REQUIRED' });
    expect(o.detail).toContain('LocalService has no credentials');
    const ok = await probe(url(WS), route(viaProxy('auth-proxy')), { identity: 'CurrentUser', proxyCredentials: { username: 'admin', password: 'pw' } });
    expect(ok).toMatchObject({ reachable: true, code: 'OK' });
  });

  it('PROXY_AUTH_MISREPORTED on 401 and on 403 with a challenge', async () => {
    expect(await probe(url(WS), route(viaProxy('proxy-401')))).toMatchObject({ step: 'proxy', code: 'PROXY_AUTH_MISREPORTED' });
    const o = await probe(url(WS), route(viaProxy('proxy-403c')));
    expect(o).toMatchObject({ step: 'proxy', code: 'PROXY_AUTH_MISREPORTED' });
    expect(o.detail).toMatch(/licensing/);
  });

  it('PROXY_DENIED for a host or a port off the allowlist', async () => {
    expect(await probe('https://www.example.com/tri/sensor/api/ping', route(viaProxy('atp-only')))).toMatchObject({ step: 'proxy', code: 'PROXY_DENIED' });
    expect(await probe(url(WS), route(viaProxy('port-8443')))).toMatchObject({ step: 'proxy', code: 'PROXY_DENIED' });
  });

  it('PROXY_UPSTREAM_FAILED when the proxy cannot resolve the target (502 with a status line)', async () => {
    const o = await probe(url('missingsensorapi.atp.azure.com'), route(viaProxy('open-proxy')));
    expect(o).toMatchObject({ step: 'proxy', code: 'PROXY_UPSTREAM_FAILED' });
    expect(lab.proxies.get('open-proxy')!.records.at(-1)).toMatchObject({ decision: 'upstream-failed', status: 502 });
  });

  it('PROXY_CLOSED when the proxy drops the connection without a status line (raw proxy-chain behaviour)', async () => {
    const o = await probe(url('missingsensorapi.atp.azure.com'), route(viaProxy('closer')));
    expect(o).toMatchObject({ step: 'proxy', code: 'PROXY_CLOSED' });
  });

  it('PROXY_TIMEOUT when a proxy accepts but never answers CONNECT', async () => {
    const silent = track(net.createServer(() => undefined));
    const address = lab.block.address(90);
    await new Promise<void>((r) => silent.listen(8080, address, r));
    lab.network.dns.register('silent-proxy', address);
    const o = await probe(url(WS), route(viaProxy('silent-proxy')));
    expect(o).toMatchObject({ step: 'proxy', code: 'PROXY_TIMEOUT' });
  });

  it('tries the next PAC candidate when a proxy cannot be reached', async () => {
    const o = await probe(url(WS), route(viaProxy('no-such-proxy'), viaProxy('atp-only')));
    expect(o).toMatchObject({ reachable: true, route: 'PROXY atp-only:8080' });
    expect(o.detail).toContain('tried the next PAC entry');
  });

  it('TLS_UNTRUSTED_CERT names the issuer, without ever disabling verification', async () => {
    const o = await probe(url('untrusted.atp.azure.com'));
    expect(o).toMatchObject({ step: 'tls', code: 'TLS_UNTRUSTED_CERT', inspected: true });
    expect(o.detail).toContain('atp-netlab Lab Untrusted CA');
  });

  it('TLS_CERT_EXPIRED and TLS_HOSTNAME_MISMATCH', async () => {
    expect(await probe(url('expired.atp.azure.com'))).toMatchObject({ step: 'tls', code: 'TLS_CERT_EXPIRED' });
    expect(await probe(url('wronghost.atp.azure.com'))).toMatchObject({ step: 'tls', code: 'TLS_HOSTNAME_MISMATCH' });
  });

  it('TLS_PROTOCOL_VERSION against an endpoint that speaks only TLS 1.0/1.1', async () => {
    const leaf = pki.leaf('oldtls.atp.azure.com');
    const old = tls.createServer({ key: leaf.keyPem, cert: leaf.chainPem, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }, (s) => s.end());
    old.on('tlsClientError', () => undefined);
    track(old);
    const address = lab.block.address(91);
    // Port 0: a non-root user cannot bind 443, and the URL can name the port.
    await new Promise<void>((r) => old.listen(0, address, r));
    lab.network.dns.register('oldtls.atp.azure.com', address);
    const port = (old.address() as net.AddressInfo).port;
    expect(await probe(`https://oldtls.atp.azure.com:${port}/tri/sensor/api/ping`)).toMatchObject({ step: 'tls', code: 'TLS_PROTOCOL_VERSION' });
  });

  it('TLS_CLIENT_CERT_REJECTED when the cloud requires an enrolled certificate in the handshake', async () => {
    const o = await probe(url('strict.atp.azure.com'), route(DIRECT), { clientCert: { certPem: pki.unenrolledClientCert.chainPem, keyPem: pki.unenrolledClientCert.keyPem } });
    expect(o).toMatchObject({ reachable: false, step: 'tls', code: 'TLS_CLIENT_CERT_REJECTED' });
    expect(lab.cloud.handshakeFailures.some((f) => f.host === 'strict.atp.azure.com')).toBe(true);
  });

  it('HTTP_STATUS when the cloud does not accept an unenrolled certificate (no inspection), or ping fails', async () => {
    const o = await probe(url(WS), route(DIRECT), { clientCert: { certPem: pki.unenrolledClientCert.chainPem, keyPem: pki.unenrolledClientCert.keyPem } });
    expect(o).toMatchObject({ step: 'http', code: 'HTTP_STATUS', inspected: false });
    expect(o.detail).toContain('401');
    expect(await probe(url('broken.atp.azure.com'))).toMatchObject({ step: 'http', code: 'HTTP_STATUS', httpStatus: 500 });
  });

  it('HTTP_TIMEOUT when the endpoint never answers', async () => {
    expect(await probe(url('hang.atp.azure.com'))).toMatchObject({ step: 'http', code: 'HTTP_TIMEOUT' });
  });

  it('a ping-only check does not need the authenticated call', async () => {
    const o = await probe(url(WS), route(DIRECT), { checks: 'ping', clientCert: undefined });
    expect(o).toMatchObject({ reachable: true, code: 'OK' });
  });

  it('route failures from resolution become route outcomes', async () => {
    const o = await checkUrl(url(WS), { failed: true, code: 'ROUTE_PAC_UNAVAILABLE', detail: 'PAC down', source: 'pac' }, labProbeOptions(pki, lab.hostTransport()));
    expect(o).toMatchObject({ reachable: false, step: 'route', code: 'ROUTE_PAC_UNAVAILABLE' });
  });
});

describe('checkUrl: a bug in the tool is never a network outcome', () => {
  const dns = { lookup: async () => ['127.0.0.1'], connect: async () => Promise.reject(new Error('unused')), dnsSuffixes: [] };
  // Before: walk().catch() turned any exception into TLS_HANDSHAKE_FAILED "internal probe error".
  it('a transport whose lookup throws a TypeError: ATPNL_INTERNAL, not an outcome', async () => {
    const transport = { ...dns, lookup: async (): Promise<string[]> => { throw new TypeError("Cannot read properties of undefined (reading 'resolve')"); } };
    const p = checkUrl(url(WS), route(DIRECT), labProbeOptions(pki, transport));
    await expect(p).rejects.toBeInstanceOf(AtpNetlabError);
    await expect(p).rejects.toMatchObject({ code: 'ATPNL_INTERNAL', message: expect.stringContaining('TypeError') });
  });

  it('a transport that rejects connect with a plain Error (not a NetError) is a bug too', async () => {
    const p = checkUrl(url(WS), route(DIRECT), labProbeOptions(pki, dns));
    await expect(p).rejects.toMatchObject({ code: 'ATPNL_INTERNAL', message: expect.stringMatching(/instead of a NetError/) });
  });

  it('a NetError from the transport stays a network outcome (DNS server unreachable: DNS_UNAVAILABLE)', async () => {
    const transport = { ...dns, lookup: async (): Promise<string[]> => { throw new NetError('EAI_AGAIN', `${WS}: EAI_AGAIN`); } };
    expect(await checkUrl(url(WS), route(DIRECT), labProbeOptions(pki, transport))).toMatchObject({ reachable: false, step: 'dns', code: 'DNS_UNAVAILABLE' });
  });

  it('realTransport: resolver failures that say nothing about the name are EAI_AGAIN, NXDOMAIN is ENOTFOUND', () => {
    for (const c of ['EAI_AGAIN', 'EAI_FAIL', 'ESERVFAIL', 'ETIMEOUT', 'ECONNREFUSED', 'EREFUSED']) expect(lookupErrorCode(c), c).toBe('EAI_AGAIN');
    for (const c of ['ENOTFOUND', 'ENODATA', undefined]) expect(lookupErrorCode(c), String(c)).toBe('ENOTFOUND');
  });
});

describe('checkUrl: timings and responder in the outcome', () => {
  it('direct: dns, tcp, tls, http timed, no proxy step; the cloud answered', async () => {
    const o = await probe(url(WS));
    expect(Object.keys(o.timings).sort()).toEqual(['dns', 'http', 'tcp', 'tls']);
    for (const v of Object.values(o.timings)) expect(v).toBeGreaterThanOrEqual(0);
    expect(o.responder).toMatchObject({ kind: 'cloud' });
    expect(o.responder!.evidence).toMatch(/x-atpnl-lab-cloud/);
  });

  it('through a proxy: the proxy step is timed; a refusal names the proxy as responder', async () => {
    const ok = await probe(url(WS), route(viaProxy('atp-only')));
    expect(ok.timings.proxy).toBeGreaterThanOrEqual(0);
    const denied = await probe('https://www.example.com/tri/sensor/api/ping', route(viaProxy('atp-only')));
    expect(denied).toMatchObject({ code: 'PROXY_DENIED', responder: { kind: 'proxy' } });
    expect(denied.timings.tls).toBeUndefined();
    expect(denied.timings.http).toBeUndefined();
  });

  it('a failure at tcp has no tls or http timing', async () => {
    const o = await probe(url('rejected.atp.azure.com'));
    expect(o.timings.tcp).toBeGreaterThanOrEqual(0);
    expect(o.timings.tls).toBeUndefined();
    expect(o.responder).toBeUndefined();
  });
});
