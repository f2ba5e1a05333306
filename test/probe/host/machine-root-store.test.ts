/**
 * The machine root stores read from a registry (the lab's memory store here; Wine's in
 * test/wine/machine-roots.test.ts): by fingerprint, across Root/AuthRoot/Group Policy/Enterprise,
 * with every unreadable blob named and never a crash.
 */
import type { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkMachineRoots, DISABLE_ROOT_AUTO_UPDATE, MACHINE_DISALLOWED_STORES, MACHINE_ROOT_STORES, readMachineRoots } from '../../../src/probe/host/machine-root-store.js';
import { MemoryRegistryStore, regBinary } from '../../../src/registry/index.js';
import { serializeCertificate } from '../../../src/registry/serialized-certificate.js';
import { putMachineRoot, trustRootCert } from '../../helpers/host-registry.js';

const G2 = trustRootCert('DigiCert Global Root G2');
const GLOBAL_CA = trustRootCert('DigiCert Global Root CA');
const [ROOT, AUTHROOT, GPO, ENTERPRISE] = MACHINE_ROOT_STORES.map((s) => s.key);

async function put(store: MemoryRegistryStore, storeKey: string, cert: X509Certificate, name?: string): Promise<void> {
  if (!name) await putMachineRoot(store, cert, storeKey);
  else await store.writeValue(`${storeKey}\\Certificates\\${name}`, 'Blob', regBinary(serializeCertificate(new Uint8Array(cert.raw))));
}

describe('machine root stores from the registry', () => {
  it('finds the commercial root in Root and the GCC High root in AuthRoot, by fingerprint', async () => {
    const s = new MemoryRegistryStore();
    await put(s, ROOT!, G2);
    await put(s, AUTHROOT!, GLOBAL_CA);
    const m = await readMachineRoots(s);
    expect(m.certificates.map((c) => [c.store, c.cert.fingerprint256])).toEqual([['Root', G2.fingerprint256], ['AuthRoot', GLOBAL_CA.fingerprint256]]);
    expect(m.problems).toEqual([]);
    const commercial = await checkMachineRoots(s, 'commercial', Date.now());
    expect(commercial).toMatchObject({ check: 'required-roots', status: 'ok' });
    expect(commercial.detail).toMatch(/in Root\); machine stores read: Root \(1\), AuthRoot \(1\)/);
    expect((await checkMachineRoots(s, 'gcc-high', Date.now())).detail).toMatch(/in AuthRoot/);
  });

  it('the Group Policy and Enterprise stores count too', async () => {
    for (const key of [GPO!, ENTERPRISE!]) {
      const s = new MemoryRegistryStore();
      await s.writeValue(`${ROOT}\\Certificates`, 'x', regBinary(new Uint8Array()));
      await put(s, key, G2);
      expect((await checkMachineRoots(s, 'commercial', Date.now())).status, key).toBe('ok');
    }
  });

  it('a missing root is HOST_ROOT_MISSING naming the stores read and automatic root update', async () => {
    const s = new MemoryRegistryStore();
    await put(s, ROOT!, GLOBAL_CA);
    const r = await checkMachineRoots(s, 'commercial', Date.now());
    expect(r).toMatchObject({ status: 'failed', code: 'HOST_ROOT_MISSING' });
    expect(r.detail).toMatch(/missing for commercial: DigiCert Global Root G2; machine stores read: Root \(1\); Windows may still fetch it on demand/);
    await s.writeValue(DISABLE_ROOT_AUTO_UPDATE.key, DISABLE_ROOT_AUTO_UPDATE.name, { type: 'REG_DWORD', data: 1 });
    expect((await checkMachineRoots(s, 'commercial', Date.now())).detail).toMatch(/automatic root update is off \(DisableRootAutoUpdate=1\)/);
  });

  it('a root in the Untrusted Certificates (Disallowed) store is missing even when Root holds it', async () => {
    for (const disallowed of MACHINE_DISALLOWED_STORES.map((d) => d.key)) {
      const s = new MemoryRegistryStore();
      await put(s, ROOT!, G2);
      await put(s, ROOT!, GLOBAL_CA);
      await put(s, disallowed, G2);
      const m = await readMachineRoots(s);
      expect(m.distrusted.map((c) => c.cert.fingerprint256)).toEqual([G2.fingerprint256]);
      expect(m.stores.find((x) => x.name === 'Root')?.count, 'Disallowed is not counted as a root store').toBe(2);
      const r = await checkMachineRoots(s, 'commercial', Date.now());
      expect(r, disallowed).toMatchObject({ status: 'failed', code: 'HOST_ROOT_MISSING' });
      expect(r.detail).toContain('DigiCert Global Root G2 is in the Untrusted Certificates (Disallowed) store, which overrides its copy in a root store');
      expect((await checkMachineRoots(s, 'gcc-high', Date.now())).status, 'the other cloud\'s root is untouched').toBe('ok');
    }
  });

  it('unreadable blobs are named problems, the rest is still read; a misnamed key is noted', async () => {
    const s = new MemoryRegistryStore();
    await put(s, ROOT!, G2);
    await put(s, ROOT!, GLOBAL_CA, '0000000000000000000000000000000000000000');
    await s.writeValue(`${ROOT}\\Certificates\\AAAA`, 'Blob', regBinary(new Uint8Array([32, 0, 0, 0, 1, 0, 0, 0, 0xff, 0, 0, 0, 0x30])));
    await s.writeValue(`${ROOT}\\Certificates\\BBBB`, 'Blob', { type: 'REG_SZ', data: 'x' });
    await s.writeValue(`${ROOT}\\Certificates\\CCCC`, 'Other', regBinary(new Uint8Array([1])));
    await s.writeValue(`${ROOT}\\Certificates\\DDDD`, 'Blob', regBinary(serializeCertificate(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]))));
    const m = await readMachineRoots(s);
    expect(m.certificates).toHaveLength(2);
    const text = m.problems.join('\n');
    expect(text).toMatch(/AAAA\\Blob: property 32 declares 255 bytes but only 1 remain \[ATPNL_CERT_BLOB\]/);
    expect(text).toMatch(/BBBB\\Blob: REG_SZ, expected REG_BINARY/);
    expect(text).toMatch(/CCCC\\Blob: missing/);
    expect(text).toMatch(/DDDD\\Blob: not a certificate/);
    expect(text).toMatch(/named 0000000000000000000000000000000000000000 but holds the certificate with SHA-1 A8985D3A65E5E5C4B2D7D66D40C6DD2FB19C5436/);
    const r = await checkMachineRoots(s, 'commercial', Date.now());
    expect(r.status).toBe('ok');
    expect(r.detail).toMatch(/5 problems: /);
  });

  it('no certificate store in the registry at all is indeterminate, never missing nor ok', async () => {
    const r = await checkMachineRoots(new MemoryRegistryStore(), 'commercial', Date.now());
    expect(r).toMatchObject({ status: 'indeterminate' });
    expect(r.code).toBeUndefined();
  });
});
