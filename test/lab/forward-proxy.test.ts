/**
 * The forward proxy on real sockets: exactly one upstream connection per CONNECT (the cloud's
 * own records show no phantom handshake from a pre-flight), and no socket left behind when
 * clients leave early, directly or through a chained upstream.
 */
import fs from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startInprocLab } from '../../src/engines/inproc/inproc-engine.js';
import type { LabDefinition } from '../../src/lab/lab-definition.js';
import { CLOUD_HOST, probe, viaProxy } from './inspection-fixtures.js';
import { testPki } from '../helpers/lab-fixtures.js';

const lab = (over: Partial<LabDefinition> = {}): LabDefinition => ({
  domain: 'contoso.example',
  cloud: { hosts: [{ host: CLOUD_HOST }] },
  proxies: [{ name: 'corp-proxy' }],
  firewall: { default: 'allow', rules: [] },
  ...over,
});

const openFds = () => fs.readdirSync('/proc/self/fd').length;
const hasProc = fs.existsSync('/proc/self/fd');

async function abortedConnects(address: string, port: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve) => {
      const s = net.connect({ host: address, port }, () => {
        s.write(`CONNECT ${CLOUD_HOST}:443 HTTP/1.1\r\nHost: ${CLOUD_HOST}:443\r\n\r\n`);
        // Leave before (or just as) the tunnel is answered: the early close of the field.
        setTimeout(() => {
          s.destroy();
          resolve();
        }, i % 3);
      });
      s.on('error', () => resolve());
    });
  }
}

describe('forward proxy', () => {
  it('opens exactly one upstream connection per CONNECT: the cloud records no handshake failure', async () => {
    const pki = await testPki();
    await using l = await startInprocLab(lab(), pki);
    for (let i = 0; i < 3; i++) expect(await probe(l, viaProxy('corp-proxy', 8080))).toMatchObject({ reachable: true, code: 'OK' });
    // 3 checks × (ping + authenticated call) on one connection each: 6 requests, 0 failures.
    expect(l.cloud.records).toHaveLength(6);
    expect(l.cloud.handshakeFailures).toEqual([]);
    expect(l.proxies.get('corp-proxy')!.records.map((r) => r.decision)).toEqual(['tunnel', 'tunnel', 'tunnel']);
  });

  it.each([
    ['401', 401],
    ['403-with-challenge', 403],
  ] as const)('auth %s with behaves: squid answers as the real Squid deny_info does (PROXY_AUTH_MISREPORTED naming squid/5.7)', async (auth, status) => {
    const pki = await testPki();
    await using l = await startInprocLab(lab({ proxies: [{ name: 'corp-proxy', auth, behaves: 'squid' }] }), pki);
    const o = await probe(l, viaProxy('corp-proxy', 8080));
    expect(o).toMatchObject({ reachable: false, step: 'proxy', code: 'PROXY_AUTH_MISREPORTED', httpStatus: status, responder: { kind: 'proxy', name: 'squid/5.7' } });
    expect(o.detail).toContain('ERR_CACHE_ACCESS_DENIED');
    expect(o.detail).toContain('challenge "Basic realm=');
    expect(l.proxies.get('corp-proxy')!.records.map((r) => r.decision)).toEqual(['auth-misreported']);
  });

  it.skipIf(!hasProc)('releases both sides when clients leave early, direct and chained (no CLOSE-WAIT growth)', async () => {
    const pki = await testPki();
    await using l = await startInprocLab(lab({ proxies: [{ name: 'branch-proxy', upstream: 'core-proxy' }, { name: 'core-proxy' }] }), pki);
    const branch = l.endpoints().find((e) => e.name === 'branch-proxy')!;
    const core = l.endpoints().find((e) => e.name === 'core-proxy')!;
    await abortedConnects(branch.address, branch.boundPort, 20);
    await new Promise((r) => setTimeout(r, 300));
    const baseline = openFds();
    for (let round = 0; round < 3; round++) {
      await abortedConnects(branch.address, branch.boundPort, 100);
      await abortedConnects(core.address, core.boundPort, 100);
    }
    // Let the last closes land (relay lingers at most 2 s on a half-closed side).
    const deadline = Date.now() + 5_000;
    while (openFds() > baseline + 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(openFds()).toBeLessThanOrEqual(baseline + 10);
  }, 30_000);
});
