/**
 * A real mitmdump as a lab middlebox: what it did, read from its own flow log (splice or
 * bump, SNI, status, its error text), names kept inside the lab, and nothing left behind.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { inprocEngine, startInprocLab } from '../../src/engines/inproc/inproc-engine.js';
import { ignoreHostPattern, type StartedMitmproxy } from '../../src/lab/mitmproxy.js';
import { parseMitmproxyFlowLog } from '../../src/lab/mitmproxy-flow-log.js';
import { testPki } from '../helpers/lab-fixtures.js';

const reason = inprocEngine.unsupported({ components: [{ type: 'mitmproxy' }], requires: {} } as never);
const CLOUD = 'contosoatpsensorapi.atp.azure.com';
const PARTNER = 'portal.partner.example';

type Lab = Awaited<ReturnType<typeof startInprocLab>>;

async function connect(lab: Lab, target: string): Promise<{ status: string; socket: import('node:net').Socket }> {
  const ep = lab.endpoints().find((e) => e.name === 'mitm')!;
  const s = await lab.hostTransport().connect(ep.address, ep.port, { timeoutMs: 3000 });
  s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  const head = await new Promise<string>((resolve) => {
    s.once('data', (b: Buffer) => resolve(b.toString('latin1')));
    s.once('close', () => resolve('(closed)'));
  });
  return { status: head.split('\r\n')[0]!, socket: s };
}

/** GET /tri/sensor/api/ping through the tunnel; the issuer CN of the chain seen and the status line. */
async function ping(lab: Lab, host: string, ca: string[]): Promise<{ issuer: string; status: string }> {
  const { socket } = await connect(lab, `${host}:443`);
  const s = tls.connect({ socket, servername: host, ca });
  await new Promise<void>((resolve, reject) => { s.once('secureConnect', () => resolve()); s.once('error', reject); });
  const issuer = String(s.getPeerCertificate().issuer.CN);
  s.write(`GET /tri/sensor/api/ping HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  const chunks: Buffer[] = [];
  s.on('data', (b: Buffer) => chunks.push(b));
  await new Promise((r) => s.once('close', r));
  return { issuer, status: Buffer.concat(chunks).toString('latin1').split('\r\n')[0]! };
}

async function settled<T>(read: () => T[], n: number): Promise<T[]> {
  // A CONNECT line is written when its client goes away; a loaded machine needs a while.
  for (let i = 0; i < 200 && read().length < n; i++) await new Promise((r) => setTimeout(r, 50));
  return read();
}

describe('mitmproxy flow log and options (no binary needed)', () => {
  it('ignore_hosts patterns match the host and its subdomains only', () => {
    const rx = new RegExp(ignoreHostPattern('*.atp.azure.com'), 'i');
    expect(rx.test(CLOUD)).toBe(true);
    expect(rx.test('atp.azure.com')).toBe(true);
    expect(rx.test('evilatp.azure.com')).toBe(false);
    expect(rx.test('atp.azure.com.evil.example')).toBe(false);
    expect(new RegExp(ignoreHostPattern('*')).test('anything')).toBe(true);
  });

  it('reads CONNECT and request lines into decision records; a torn line is skipped', () => {
    const text = [
      JSON.stringify({ client: '127.1.0.2', method: 'CONNECT', host: CLOUD, port: 443, status: 200, mode: 'bump', sni: CLOUD, error: null, upstreamTls: null, clientCert: false }),
      JSON.stringify({ client: '127.1.0.2', method: 'GET', host: CLOUD, port: 443, status: 502, mode: 'bump', sni: CLOUD, error: 'Certificate verify failed: unable to get local issuer certificate', upstreamTls: null, clientCert: false }),
      '{"client": "127.1.0.2", "meth',
    ].join('\n');
    const records = parseMitmproxyFlowLog(text, (a) => (a === '127.1.0.2' ? 'windows-host' : a));
    expect(records).toEqual([
      expect.objectContaining({ source: 'mitmproxy', from: 'windows-host', method: 'CONNECT', decision: 'tunnel', status: 200, bumpMode: 'bump', sni: CLOUD }),
      expect.objectContaining({ method: 'GET', decision: 'upstream-failed', status: 502, errCode: expect.stringMatching(/^Certificate verify failed/) }),
    ]);
  });
});

describe.skipIf(reason !== undefined)(`kind mitmproxy${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('splice: the cloud is ignored (its own chain), the partner is bumped with the inspection CA; both in its flow log; a name outside the lab gets 502 and no lookup; folder removed and PID gone on stop', async () => {
    const pki = await testPki();
    const lab = await startInprocLab({ domain: 'contoso.example', cloud: { hosts: [{ host: CLOUD }, { host: PARTNER }] }, firewall: { default: 'allow', rules: [] }, proxies: [], middleboxes: [{ name: 'mitm', implementation: 'mitmproxy', mode: 'splice', spliceHosts: ['*.atp.azure.com'] }] }, pki);
    const mitm = lab.component<StartedMitmproxy>('mitm')!;
    const mbCn = /CN=([^\n]+)/.exec(new X509Certificate(pki.middleboxCa.certPem).subject)![1];
    const ca = [pki.trustedRoot.certPem, pki.middleboxCa.certPem];
    const spliced = await ping(lab, CLOUD, ca);
    expect(spliced.issuer).not.toBe(mbCn);
    const bumped = await ping(lab, PARTNER, ca);
    expect(bumped.issuer).toBe(mbCn);
    expect(bumped.status).toMatch(/^HTTP\/1\.1 200/);
    const unknown = await connect(lab, 'www.example.com:443');
    unknown.socket.destroy();
    expect(unknown.status).toMatch(/^HTTP\/1\.1 502/);
    const records = await settled(() => mitm.records.filter((r) => r.method === 'CONNECT'), 3);
    expect(records).toEqual(expect.arrayContaining([
      expect.objectContaining({ from: 'windows-host', target: CLOUD, port: 443, decision: 'tunnel', bumpMode: 'splice', sni: CLOUD }),
      expect.objectContaining({ target: PARTNER, decision: 'tunnel', bumpMode: 'bump', sni: PARTNER }),
      expect.objectContaining({ target: 'www.example.com', decision: 'upstream-failed', status: 502, errCode: expect.stringContaining('Name or service not known') }),
    ]));
    expect(mitm.records).toEqual(expect.arrayContaining([expect.objectContaining({ method: 'GET', target: PARTNER, status: 200, bumpMode: 'bump' })]));
    const dir = mitm.dir;
    const pid = mitm.process.pid!;
    await lab.stop();
    expect(fs.existsSync(dir)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
  }, 40_000);
});
