/**
 * A real Squid as a lab component: what it decided, read from its own access log (the bump
 * mode, SNI, status and Squid's error code), and nothing left behind when it stops.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inprocEngine, startInprocLab } from '../../src/engines/inproc/inproc-engine.js';
import type { StartedSquid } from '../../src/lab/squid.js';
import { testPki } from '../helpers/lab-fixtures.js';

const reason = inprocEngine.unsupported({ components: [{ type: 'squid' }], requires: {} } as never);
const CLOUD = 'contosoatpsensorapi.atp.azure.com';

async function connect(lab: Awaited<ReturnType<typeof startInprocLab>>, proxy: string, target: string, credentials?: string): Promise<string> {
  const ep = lab.endpoints().find((e) => e.name === proxy)!;
  const s = await lab.hostTransport().connect(ep.address, ep.port, { timeoutMs: 2000 });
  const auth = credentials ? `Proxy-Authorization: Basic ${Buffer.from(credentials).toString('base64')}\r\n` : '';
  s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`);
  const head = await new Promise<string>((resolve) => {
    s.once('data', (b: Buffer) => resolve(b.toString('latin1').split('\r\n')[0]!));
    s.once('close', () => resolve('(closed)'));
  });
  s.destroy();
  return head;
}

async function settled<T>(read: () => T[], n: number): Promise<T[]> {
  for (let i = 0; i < 50 && read().length < n; i++) await new Promise((r) => setTimeout(r, 50));
  return read();
}

describe.skipIf(reason !== undefined)(`kind squid${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('forward proxy: TCP_TUNNEL for an allowed host, TCP_DENIED/403 for another, from its access log; folder removed on stop', async () => {
    const pki = await testPki();
    const lab = await startInprocLab({ domain: 'contoso.example', cloud: { hosts: [{ host: CLOUD }] }, firewall: { default: 'allow', rules: [] }, proxies: [{ name: 'sq', implementation: 'squid', allow: ['*.atp.azure.com'] }] }, pki);
    const squid = lab.component<StartedSquid>('sq')!;
    expect(squid.config).toContain('hosts_file');
    expect(await connect(lab, 'sq', `${CLOUD}:443`)).toBe('HTTP/1.1 200 Connection established');
    expect(await connect(lab, 'sq', 'portal.partner.example:443')).toMatch(/^HTTP\/1\.1 403/);
    const records = await settled(() => squid.records.filter((r) => r.method === 'CONNECT'), 2);
    expect(records).toEqual(expect.arrayContaining([
      expect.objectContaining({ from: 'windows-host', target: CLOUD, port: 443, decision: 'tunnel', result: 'TCP_TUNNEL', status: 200 }),
      expect.objectContaining({ target: 'portal.partner.example', decision: 'denied', result: 'TCP_DENIED', status: 403, errCode: 'ERR_ACCESS_DENIED' }),
    ]));
    const dir = squid.files.dir;
    const pid = squid.process.pid!;
    await lab.stop();
    expect(fs.existsSync(dir)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
  }, 30_000);

  it('Basic auth (basic_ncsa_auth): the right credentials tunnel as that user (a DOMAIN\\user name keeps its case), wrong or none get 407, from its access log', async () => {
    const pki = await testPki();
    await using lab = await startInprocLab({ domain: 'contoso.example', cloud: { hosts: [{ host: CLOUD }] }, firewall: { default: 'allow', rules: [] }, proxies: [{ name: 'sq', implementation: 'squid', auth: 'basic', credentials: { username: 'CONTOSO\\Admin', password: 'lab-only' } }] }, pki);
    const squid = lab.component<StartedSquid>('sq')!;
    expect(await connect(lab, 'sq', `${CLOUD}:443`, 'CONTOSO\\Admin:lab-only')).toBe('HTTP/1.1 200 Connection established');
    expect(await connect(lab, 'sq', `${CLOUD}:443`, 'CONTOSO\\Admin:wrong')).toMatch(/^HTTP\/1\.1 407/);
    expect(await connect(lab, 'sq', `${CLOUD}:443`)).toMatch(/^HTTP\/1\.1 407/);
    const records = await settled(() => squid.records.filter((r) => r.method === 'CONNECT'), 3);
    expect(records.map((r) => [r.result, r.status, r.user])).toEqual([
      ['TCP_TUNNEL', 200, 'CONTOSO\\Admin'],
      ['TCP_DENIED', 407, 'CONTOSO\\Admin'],
      ['TCP_DENIED', 407, null],
    ]);
    expect(records.map((r) => r.decision)).toEqual(['tunnel', 'auth-required', 'auth-required']);
  }, 30_000);

  it('ssl_bump middlebox: the splice and the bump are in its access log with the SNI', async () => {
    const pki = await testPki();
    await using lab = await startInprocLab({ domain: 'contoso.example', cloud: { hosts: [{ host: CLOUD }, { host: 'portal.partner.example' }] }, firewall: { default: 'allow', rules: [] }, proxies: [], middleboxes: [{ name: 'bump', implementation: 'squid', mode: 'splice', spliceHosts: ['*.atp.azure.com'] }] }, pki);
    const squid = lab.component<StartedSquid>('bump')!;
    const tls = await import('node:tls');
    for (const host of [CLOUD, 'portal.partner.example']) {
      const ep = lab.endpoints().find((e) => e.name === 'bump')!;
      const raw = await lab.hostTransport().connect(ep.address, ep.port, { timeoutMs: 2000 });
      raw.write(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`);
      await new Promise((r) => raw.once('data', r));
      const s = tls.connect({ socket: raw, servername: host, ca: [pki.trustedRoot.certPem, pki.middleboxCa.certPem] });
      await new Promise<void>((resolve, reject) => { s.once('secureConnect', () => resolve()); s.once('error', reject); });
      // Spliced: the cloud's own chain; bumped: a leaf Squid forged with the inspection CA.
      const mbCn = /CN=([^\n]+)/.exec(new X509Certificate(pki.middleboxCa.certPem).subject)![1];
      expect(s.getPeerCertificate().issuer.CN === mbCn, host).toBe(host !== CLOUD);
      s.end(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      await new Promise((r) => s.once('close', r));
    }
    const records = await settled(() => squid.records.filter((r) => r.method === 'CONNECT'), 2);
    expect(records).toEqual(expect.arrayContaining([
      expect.objectContaining({ target: CLOUD, bumpMode: 'splice', sni: CLOUD }),
      expect.objectContaining({ target: 'portal.partner.example', bumpMode: 'bump', sni: 'portal.partner.example' }),
    ]));
  }, 30_000);
});
