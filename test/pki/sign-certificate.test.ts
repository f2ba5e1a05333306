/**
 * A customer's inspection CA, made outside the project with the openssl command line and an
 * SKI that is neither openssl's default (SHA-1 of the key) nor ours (truncated SHA-256):
 * leaves the lab forges under it must verify with node's TLS and with openssl s_client.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { generateKey, issueCertificate, subjectKeyIdentifierOf } from '../../src/pki/sign-certificate.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const CUSTOM_SKI = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

function makeForeignCa(dir: string, keyAlg: 'rsa' | 'ec'): { certPem: string; keyPem: string } {
  const keyFile = path.join(dir, `${keyAlg}-ca.key`);
  const certFile = path.join(dir, `${keyAlg}-ca.pem`);
  const newkey = keyAlg === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  execFileSync('openssl', ['req', '-x509', ...newkey, '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/O=Contoso/CN=Contoso Inspection ${keyAlg}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-addext', `subjectKeyIdentifier=${CUSTOM_SKI.replace(/(..)(?!$)/g, '$1:')}`,
    // keyid:always makes the root's own AKI equal its custom SKI, as in a real self-signed root.
    '-addext', 'authorityKeyIdentifier=keyid:always'], { stdio: 'ignore' });
  return { certPem: fs.readFileSync(certFile, 'utf8'), keyPem: fs.readFileSync(keyFile, 'utf8') };
}

function forgeLeaf(ca: { certPem: string; keyPem: string }, name: string): { certPem: string; keyPem: string } {
  const key = generateKey('ec');
  const now = Date.now();
  const certPem = issueCertificate({ subjectCN: name, dnsNames: [name], usage: 'server', notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000),
    publicKeyPem: key.publicKeyPem, issuerCertPem: ca.certPem, signerKeyPem: ca.keyPem });
  return { certPem, keyPem: key.keyPem };
}

async function serve(leaf: { certPem: string; keyPem: string }): Promise<{ port: number; close: () => void }> {
  const server = tls.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (s) => s.end('hello\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, close: () => server.close() };
}

function sClient(port: number, caFile: string, name: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', name, '-verify_return_error', '-verify_hostname', name, '-CAfile', caFile], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.stdin.end();
    p.on('close', (code) => resolve({ code, out }));
  });
}

describe.skipIf(!hasOpenssl)('leaves under a CA the lab did not generate', () => {
  for (const keyAlg of ['rsa', 'ec'] as const) {
    it(`${keyAlg}: AKI copies the CA's SKI, node TLS and openssl s_client verify the chain`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foreign-ca-'));
      try {
        const ca = makeForeignCa(dir, keyAlg);
        expect(Buffer.from(subjectKeyIdentifierOf(ca.certPem)!, 'binary').toString('hex')).toBe(CUSTOM_SKI);
        const name = 'sensor.atp.azure.com';
        const leaf = forgeLeaf(ca, name);
        const server = await serve(leaf);
        try {
          const got = await new Promise<string>((resolve, reject) => {
            const s = tls.connect({ host: '127.0.0.1', port: server.port, servername: name, ca: ca.certPem }, () => undefined);
            let body = '';
            s.on('data', (d: Buffer) => (body += d.toString()));
            s.on('end', () => resolve(body));
            s.on('error', reject);
          });
          expect(got).toBe('hello\n');
          const caFile = path.join(dir, `${keyAlg}-ca.pem`);
          const r = await sClient(server.port, caFile, name);
          expect(r.out).toContain('Verify return code: 0 (ok)');
          // s_client's own exit status also reflects how the server closed (it varies under
          // load); the verification result is the line above.
          void r.code;
          const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: leaf.certPem }).toString();
          expect(text.replace(/\s+/g, ' ')).toMatch(new RegExp(`Authority Key Identifier: (keyid:)?${CUSTOM_SKI.replace(/(..)(?!$)/g, '$1:').toUpperCase()}`));
        } finally {
          server.close();
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
