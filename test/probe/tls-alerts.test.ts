/**
 * Alerts as a real TLS server sends them: OpenSSL's own `s_server`, which (unlike node's
 * server, that verifies in JS and hangs up without an alert) answers a missing client
 * certificate under TLS 1.3 with a `certificate_required` alert after the client's handshake.
 * The probe must report the alert as received (issue 9 §3), not "inferred: no alert".
 * Skipped, with the reason, where the openssl binary is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabPki } from '../../src/pki/index.js';
import { checkUrl } from '../../src/probe/check-url.js';
import { realTransport } from '../../src/transport.js';
import { DIRECT, labProbeOptions, route, testPki } from '../helpers/lab-fixtures.js';
import { freePort } from '../helpers/free-port.js';

const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;
const HOST = 'alert-test.atp.azure.com';

async function waitForPort(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`openssl s_server did not listen on ${port} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!HAVE_OPENSSL)('TLS alerts from OpenSSL s_server (needs the openssl binary)', () => {
  let pki: LabPki;
  let dir: string;
  let server: ChildProcess | undefined;
  let port: number;

  beforeAll(async () => {
    pki = await testPki();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'atpnl-alerts-'));
    const leaf = pki.leaf(HOST);
    // s_server sends only the first certificate of -cert; the intermediates go in -cert_chain.
    await fs.writeFile(path.join(dir, 'cert.pem'), leaf.certPem, { mode: 0o600 });
    await fs.writeFile(path.join(dir, 'chain.pem'), leaf.chainPem.replace(leaf.certPem.trim(), '').trim() + '\n', { mode: 0o600 });
    await fs.writeFile(path.join(dir, 'key.pem'), leaf.keyPem, { mode: 0o600 });
    await fs.writeFile(path.join(dir, 'ca.pem'), pki.sensorCa.certPem, { mode: 0o600 });
    port = await freePort();
    server = spawn('openssl', ['s_server', '-quiet', '-accept', `127.0.0.1:${port}`, '-cert', 'cert.pem', '-cert_chain', 'chain.pem', '-key', 'key.pem', '-CAfile', 'ca.pem', '-Verify', '1', '-tls1_3', '-www'], { cwd: dir, stdio: 'ignore' });
    await waitForPort(port, 5_000);
  });

  afterAll(async () => {
    if (server?.pid) process.kill(server.pid);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('no client certificate, TLS 1.3: certificate_required is reported as received', async () => {
    const transport = realTransport({ hosts: new Map([[HOST, '127.0.0.1']]) });
    const o = await checkUrl(`https://${HOST}:${port}/tri/sensor/api/ping`, route(DIRECT), labProbeOptions(pki, transport, { clientCert: undefined, checks: 'ping', timeouts: { tcpMs: 1_000, proxyMs: 1_000, tlsMs: 2_000, httpMs: 2_000, totalMs: 6_000 } }));
    expect(o).toMatchObject({ reachable: false, step: 'tls', code: 'TLS_CLIENT_CERT_REJECTED', inspected: false });
    expect(o.detail).toMatch(/TLS alert certificate_required received after the handshake/);
    expect(o.detail).not.toMatch(/inferred/);
  });
});
