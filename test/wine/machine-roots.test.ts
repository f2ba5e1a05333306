/**
 * The real probe's registry host checks against Wine's registry, which nobody here wrote.
 * Wine 8's crypt32 imports the host's trusted roots (Debian's ca-certificates) into
 * HKLM\Software\Microsoft\SystemCertificates\Root\Certificates\<SHA-1>\Blob on the first open
 * of a Root store (dlls/crypt32/rootstore.c CRYPT_ImportSystemRootCertsToReg, volatile keys:
 * they live as long as the persistent wineserver). A tiny MinGW program
 * (c/cert-open-root.c: CertOpenStore(SYSTEM, LOCAL_MACHINE, "ROOT")) triggers it; then the
 * project's WindowsRegistryStore reads the blobs back through Wine's `reg export`, and the
 * .NET values come from Wine's `reg add`. Measured on Wine 8.0: no Root\Certificates key before
 * the first open, 149 certificates after.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import net, { type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { TRUST_ROOTS } from '../../src/catalog/trust-roots.js';
import { DOTNET_TLS_KEYS, DOTNET_TLS_VALUES } from '../../src/probe/host/dotnet-tls.js';
import { readMachineRoots } from '../../src/probe/host/machine-root-store.js';
import { runRealHostChecks } from '../../src/probe/host/real-host-checks.js';
import { probeHost } from '../../src/probe/probe-host.js';
import { useWineSession, wineRegistryStore } from './wine-harness.js';

const WINE_ROOT = 'HKLM\\Software\\Microsoft\\SystemCertificates\\Root\\Certificates';
const G2 = TRUST_ROOTS.find((r) => r.name === 'DigiCert Global Root G2')!;
const GLOBAL_CA = TRUST_ROOTS.find((r) => r.name === 'DigiCert Global Root CA')!;
const thumb = (sha1: string) => sha1.replace(/:/g, '');

let trigger: { code: number; stdout: string } | undefined;
let distrustExe = '';
const wine = useWineSession('machine-roots', async (w) => {
  const exe = await w.compile('cert-open-root', ['crypt32']);
  distrustExe = await w.compile('cert-distrust', ['crypt32']);
  const before = await w.wine(['reg', 'query', WINE_ROOT]);
  if (before.code === 0) throw new Error(`expected no ${WINE_ROOT} before crypt32 opened a Root store`);
  trigger = await w.wine([exe], { timeoutMs: 120_000 });
});

async function regAdd(key: string, name: string, data: number): Promise<void> {
  const r = await wine.wine(['reg', 'add', key.replace('HKEY_LOCAL_MACHINE', 'HKLM'), '/v', name, '/t', 'REG_DWORD', '/d', String(data), '/f']);
  expect(r.code, r.stdout + r.stderr).toBe(0);
}

async function listener(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

describe("machine roots from Wine's registry", () => {
  it("crypt32 wrote the host's roots; every Blob parses and is named by its SHA-1; DigiCert G2 and Global Root CA are there", async () => {
    expect(trigger?.code, trigger?.stdout).toBe(0);
    const opened = JSON.parse(trigger!.stdout.trim().split('\n').at(-1)!) as { count: number };
    const m = await readMachineRoots(wineRegistryStore(wine));
    expect(m.problems).toEqual([]);
    const root = m.stores.find((s) => s.name === 'Root')!;
    expect(root.present).toBe(true);
    // the registry holds exactly what CertEnumCertificatesInStore saw
    expect(root.count).toBe(opened.count);
    expect(root.count).toBeGreaterThan(100);
    // each is one of the host's roots, or one of crypt32's five built-in Microsoft roots (rootstore.c msRootCerts)
    const host = new Set((readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p).fingerprint256));
    const builtIn = m.certificates.filter((c) => !host.has(c.cert.fingerprint256));
    expect(builtIn.length).toBeLessThanOrEqual(5);
    for (const c of builtIn) expect(c.cert.subject, c.cert.subject).toMatch(/Microsoft|MSFT/);
    const found = new Set(m.certificates.map((c) => c.cert.fingerprint256));
    expect(found.has(G2.sha256)).toBe(true);
    expect(found.has(GLOBAL_CA.sha256)).toBe(true);
  });

  it("--host-reg reads Wine's own `reg export` of the store (UTF-16, ~1 MiB) as a customer's export", async () => {
    const file = path.join(wine.scratch, 'root-export.reg');
    const exp = await wine.wine(['reg', 'export', 'HKLM\\Software\\Microsoft\\SystemCertificates\\Root', wine.winPath(file), '/y']);
    expect(exp.code, exp.stdout + exp.stderr).toBe(0);
    const refused = await listener();
    await refused.close();
    const report = await probeHost({
      workspace: 'contosoATP',
      identity: 'LocalService',
      route: { kind: 'none' },
      resolve: [`contosoatpsensorapi.atp.azure.com:127.0.0.1:${refused.port}`],
      platform: 'linux',
      hostRegFiles: [file],
      timeoutMs: 2_000,
    });
    expect(report.host!.registry).toBe(`reg export ${file}`);
    const roots = report.host!.checks.find((c) => c.check === 'required-roots')!;
    // only the Root store was exported: a present root is judged ok
    expect(roots.status).toBe('ok');
    expect(roots.detail).toMatch(/machine stores read: Root \(\d{3}\)/);
  });

  it(".NET values set with Wine's reg add read back ok, and a 0 fails naming the value", async () => {
    for (const key of DOTNET_TLS_KEYS) for (const name of DOTNET_TLS_VALUES) await regAdd(key, name, 1);
    const up = await listener();
    try {
      const ok = await runRealHostChecks({ mode: 'auto', platform: 'win32', identity: 'LocalService', cloud: 'commercial', registryStore: wineRegistryStore(wine), updaterPort: up.port, timeoutMs: 2_000 });
      expect(ok.checks.map((c) => [c.check, c.status])).toEqual([['updater-port', 'ok'], ['dotnet-tls', 'ok'], ['required-roots', 'ok'], ['clock-skew', 'not-run']]);
      await regAdd(DOTNET_TLS_KEYS[0], 'SystemDefaultTlsVersions', 0);
      const bad = await runRealHostChecks({ mode: 'auto', platform: 'win32', identity: 'LocalService', cloud: 'commercial', registryStore: wineRegistryStore(wine), updaterPort: up.port, timeoutMs: 2_000 });
      const dotnet = bad.checks.find((c) => c.check === 'dotnet-tls')!;
      expect(dotnet).toMatchObject({ status: 'failed', code: 'HOST_DOTNET_TLS_VALUES' });
      expect(dotnet.detail).toBe(`${DOTNET_TLS_KEYS[0]}\\SystemDefaultTlsVersions: dword:00000000`);
      await regAdd(DOTNET_TLS_KEYS[0], 'SystemDefaultTlsVersions', 1);
    } finally {
      await up.close();
    }
  });

  it("a root crypt32 put in the Disallowed store is HOST_ROOT_MISSING though Root still holds it", async () => {
    const r = await wine.wine([distrustExe, thumb(G2.sha1)], { timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const disallowedKey = `HKLM\\Software\\Microsoft\\SystemCertificates\\Disallowed\\Certificates\\${thumb(G2.sha1)}`;
    try {
      const m = await readMachineRoots(wineRegistryStore(wine));
      expect(m.distrusted.map((c) => c.cert.fingerprint256)).toEqual([G2.sha256]);
      expect(m.certificates.some((c) => c.store === 'Root' && c.cert.fingerprint256 === G2.sha256)).toBe(true);
      const up = await listener();
      try {
        const checks = await runRealHostChecks({ mode: 'auto', platform: 'win32', identity: 'LocalService', cloud: 'commercial', registryStore: wineRegistryStore(wine), updaterPort: up.port, timeoutMs: 2_000 });
        const roots = checks.checks.find((c) => c.check === 'required-roots')!;
        expect(roots).toMatchObject({ status: 'failed', code: 'HOST_ROOT_MISSING' });
        expect(roots.detail).toContain('DigiCert Global Root G2 is in the Untrusted Certificates (Disallowed) store');
      } finally {
        await up.close();
      }
    } finally {
      const del = await wine.wine(['reg', 'delete', disallowedKey, '/f']);
      expect(del.code, del.stdout + del.stderr).toBe(0);
    }
  });

  it('reg delete of DigiCert Global Root G2: the probe reports HOST_ROOT_MISSING for commercial; GCC High still passes', async () => {
    const del = await wine.wine(['reg', 'delete', `${WINE_ROOT}\\${thumb(G2.sha1)}`, '/f']);
    expect(del.code, del.stdout + del.stderr).toBe(0);
    const up = await listener();
    // the cloud is never reached: a pinned, refused address; the host step decides first
    const refused = await listener();
    await refused.close();
    try {
      const report = await probeHost({
        workspace: 'contosoATP',
        identity: 'LocalService',
        route: { kind: 'none' },
        resolve: [`contosoatpsensorapi.atp.azure.com:127.0.0.1:${refused.port}`],
        platform: 'win32',
        registryStore: wineRegistryStore(wine),
        updaterPort: up.port,
        timeoutMs: 2_000,
      });
      expect(report.checks[0]!.observed).toMatchObject({ reachable: false, step: 'host', code: 'HOST_ROOT_MISSING' });
      const roots = report.host!.checks.find((c) => c.check === 'required-roots')!;
      expect(roots).toMatchObject({ status: 'failed', code: 'HOST_ROOT_MISSING', source: 'mdiKnownIssues' });
      expect(roots.detail).toMatch(/^missing for commercial: DigiCert Global Root G2 .*; machine stores read: Root \(\d+\); Windows may still fetch it/);
      expect(roots.remediation).toMatch(/Cert:\\LocalMachine\\Root/);
      const gccHigh = await runRealHostChecks({ mode: 'auto', platform: 'win32', identity: 'LocalService', cloud: 'gcc-high', registryStore: wineRegistryStore(wine), updaterPort: up.port, timeoutMs: 2_000 });
      expect(gccHigh.checks.find((c) => c.check === 'required-roots')!.status).toBe('ok');
    } finally {
      await up.close();
    }
  });
});
