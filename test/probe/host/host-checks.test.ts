import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import forge from 'node-forge';
import { afterAll, describe, expect, it } from 'vitest';
import { checkClockSkew } from '../../../src/probe/host/clock-skew.js';
import { checkDotNetTlsValues } from '../../../src/probe/host/dotnet-tls.js';
import { HOST_PREREQUISITE_CODES } from '../../../src/probe/host/host-prerequisite-codes.js';
import { checkRequiredRoots, parsePemBundle } from '../../../src/probe/host/required-roots.js';
import { checkUpdaterPort, dialUpdaterPort } from '../../../src/probe/host/updater-port.js';
import { FileRegistryStore } from '../../../src/registry/index.js';
import { SOURCES } from '../../../src/catalog/index.js';

const tmpDirs: string[] = [];
afterAll(async () => {
  for (const d of tmpDirs) await rm(d, { recursive: true, force: true });
});

describe('host prerequisite codes', () => {
  it('each has a remediation and a source the catalogue knows', () => {
    for (const [code, p] of Object.entries(HOST_PREREQUISITE_CODES)) {
      expect(code).toMatch(/^HOST_[A-Z_]+$/);
      expect(p.remediation.length).toBeGreaterThan(20);
      expect(SOURCES[p.source]).toBeDefined();
    }
  });
});

describe('clock skew against a real HTTP Date header', () => {
  // node:http stamps every answer with an IMF-fixdate Date header of its own clock.
  async function fetchDate(): Promise<{ date: string | undefined; receivedAtMs: number; roundTripMs: number }> {
    const server = http.createServer((_req, res) => res.end('Ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const started = Date.now();
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/tri/sensor/api/ping`);
      await res.text();
      const receivedAtMs = Date.now();
      return { date: res.headers.get('date') ?? undefined, receivedAtMs, roundTripMs: receivedAtMs - started };
    } finally {
      await new Promise((r) => server.close(r));
    }
  }
  it('passes when the clocks agree and fails beyond five minutes either way', async () => {
    const { date, receivedAtMs, roundTripMs } = await fetchDate();
    expect(checkClockSkew({ dateHeader: date, receivedAtMs, roundTripMs }).status).toBe('ok');
    const ahead = checkClockSkew({ dateHeader: date, receivedAtMs: receivedAtMs + 6 * 60_000, roundTripMs });
    expect(ahead).toMatchObject({ status: 'failed', code: 'HOST_CLOCK_SKEW' });
    expect(ahead.detail).toMatch(/ahead of/);
    expect(checkClockSkew({ dateHeader: date, receivedAtMs: receivedAtMs - 6 * 60_000, roundTripMs }).detail).toMatch(/behind/);
    // just inside the limit once the uncertainty is counted
    expect(checkClockSkew({ dateHeader: date, receivedAtMs: receivedAtMs + 5 * 60_000, roundTripMs }).status).toBe('ok');
  });
  it('is indeterminate, never ok, without a usable Date header', () => {
    expect(checkClockSkew({ dateHeader: undefined, receivedAtMs: 0, roundTripMs: 1 }).status).toBe('indeterminate');
    expect(checkClockSkew({ dateHeader: 'yesterday', receivedAtMs: 0, roundTripMs: 1 }).status).toBe('indeterminate');
  });
});

describe('.NET TLS registry values from the file-backed lab registry', () => {
  async function storeWith(reg: string): Promise<FileRegistryStore> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'atpnl-dotnet-'));
    tmpDirs.push(dir);
    const store = new FileRegistryStore(dir);
    await store.importReg(reg);
    return store;
  }
  const key = (wow: boolean) => `[HKEY_LOCAL_MACHINE\\SOFTWARE\\${wow ? 'WOW6432Node\\' : ''}Microsoft\\.NETFramework\\v4.0.30319]`;
  it('passes with the values Microsoft\'s page shows, in both views', async () => {
    const reg = ['Windows Registry Editor Version 5.00', '', key(true), '"SystemDefaultTlsVersions"=dword:00000001', '"SchUseStrongCrypto"=dword:00000001', '', key(false), '"SystemDefaultTlsVersions"=dword:00000001', '"SchUseStrongCrypto"=dword:00000001', ''].join('\r\n');
    expect((await checkDotNetTlsValues(await storeWith(reg))).status).toBe('ok');
  });
  it('names each missing or wrong value with its key', async () => {
    const reg = ['Windows Registry Editor Version 5.00', '', key(false), '"SystemDefaultTlsVersions"=dword:00000000', '"SchUseStrongCrypto"="1"', ''].join('\r\n');
    const r = await checkDotNetTlsValues(await storeWith(reg));
    expect(r).toMatchObject({ status: 'failed', code: 'HOST_DOTNET_TLS_VALUES' });
    expect(r.findings).toEqual([
      { key: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319', name: 'SystemDefaultTlsVersions', found: 'dword:00000000' },
      { key: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319', name: 'SchUseStrongCrypto', found: 'REG_SZ (not REG_DWORD)' },
      { key: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Microsoft\\.NETFramework\\v4.0.30319', name: 'SystemDefaultTlsVersions', found: 'missing' },
      { key: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Microsoft\\.NETFramework\\v4.0.30319', name: 'SchUseStrongCrypto', found: 'missing' },
    ]);
  });
});

describe('required roots in a trust store', () => {
  // A store nobody here wrote: Node's bundled Mozilla roots plus Debian's ca-certificates
  // (Node 24.22's bundle alone no longer holds DigiCert Global Root CA).
  const debianBundle = '/etc/ssl/certs/ca-certificates.crt';
  const mozilla = [
    ...rootCertificates.map((p) => new X509Certificate(p)),
    ...(existsSync(debianBundle) ? parsePemBundle(readFileSync(debianBundle, 'utf8')) : []),
  ];
  const now = Date.parse('2026-12-02T00:00:00Z');
  it('Node\'s bundled Mozilla store with Debian\'s ca-certificates holds both the commercial and the GCC High root', () => {
    expect(checkRequiredRoots(mozilla, 'commercial', now).status).toBe('ok');
    expect(checkRequiredRoots(mozilla, 'gcc-high', now).status).toBe('ok');
  });
  it('a store without DigiCert Global Root G2 fails for commercial but not for GCC High', () => {
    const store = mozilla.filter((c) => !c.subject.includes('CN=DigiCert Global Root G2'));
    expect(checkRequiredRoots(store, 'commercial', now)).toMatchObject({ status: 'failed', code: 'HOST_ROOT_MISSING', missing: ['DigiCert Global Root G2'] });
    expect(checkRequiredRoots(store, 'gcc-high', now).status).toBe('ok');
  });
  it('a self-signed impostor with the same name is not the root', () => {
    const keys = forge.pki.rsa.generateKeyPair(2048);
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.publicKey;
    cert.serialNumber = '01';
    cert.validity.notBefore = new Date('2020-01-01T00:00:00Z');
    cert.validity.notAfter = new Date('2040-01-01T00:00:00Z');
    const attrs = [{ name: 'countryName', value: 'US' }, { name: 'organizationName', value: 'DigiCert Inc' }, { shortName: 'OU', value: 'www.digicert.com' }, { name: 'commonName', value: 'DigiCert Global Root G2' }];
    cert.setSubject(attrs);
    cert.setIssuer(attrs);
    cert.sign(keys.privateKey, forge.md.sha256.create());
    const [impostor] = parsePemBundle(forge.pki.certificateToPem(cert));
    const r = checkRequiredRoots([impostor!], 'commercial', now);
    expect(r.status).toBe('failed');
    expect(r.notes.join()).toMatch(/named "DigiCert Global Root G2" is present but is not the published root/);
  });
});

describe('sensor → updater on localhost', () => {
  it('a listening port is ok; a closed port means the updater is not listening', async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    expect(checkUpdaterPort(await dialUpdaterPort(port, 2000)).status).toBe('ok');
    await new Promise((r) => server.close(r));
    expect(checkUpdaterPort(await dialUpdaterPort(port, 2000))).toMatchObject({ status: 'failed', code: 'HOST_UPDATER_NOT_LISTENING' });
  });
  it('a drop (timeout) is the blocked-port prerequisite', () => {
    expect(checkUpdaterPort({ outcome: 'timeout', port: 444, timeoutMs: 3000 })).toMatchObject({ status: 'failed', code: 'HOST_UPDATER_PORT_BLOCKED' });
  });
});
