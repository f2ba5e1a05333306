/**
 * A sensor host's registry for the host-prerequisite tests: the .NET TLS values and the
 * LocalMachine Root store, written through any RegistryStore (memory here; Wine's reg.exe
 * writes its own in test/wine/machine-roots.test.ts).
 */
import { X509Certificate } from 'node:crypto';
import { TRUST_ROOTS } from '../../src/catalog/trust-roots.js';
import { DOTNET_TLS_KEYS, DOTNET_TLS_VALUES } from '../../src/probe/host/dotnet-tls.js';
import { MACHINE_ROOT_STORES } from '../../src/probe/host/machine-root-store.js';
import { MemoryRegistryStore, regBinary, type RegistryStore } from '../../src/registry/index.js';
import { serializeCertificate } from '../../src/registry/serialized-certificate.js';

export const ROOT_STORE_KEY = MACHINE_ROOT_STORES[0].key;

export function trustRootCert(name: string): X509Certificate {
  return new X509Certificate(TRUST_ROOTS.find((r) => r.name === name)!.pem!);
}

export async function putMachineRoot(store: RegistryStore, cert: X509Certificate, storeKey: string = ROOT_STORE_KEY): Promise<string> {
  const key = `${storeKey}\\Certificates\\${cert.fingerprint.replace(/:/g, '')}`;
  await store.writeValue(key, 'Blob', regBinary(serializeCertificate(new Uint8Array(cert.raw))));
  return key;
}

export async function setDotNetTls(store: RegistryStore, data = 1): Promise<void> {
  for (const key of DOTNET_TLS_KEYS) for (const name of DOTNET_TLS_VALUES) await store.writeValue(key, name, { type: 'REG_DWORD', data });
}

/** A host that meets every registry prerequisite for both clouds. */
export async function healthyHostRegistry(): Promise<MemoryRegistryStore> {
  const s = new MemoryRegistryStore();
  await setDotNetTls(s);
  await putMachineRoot(s, trustRootCert('DigiCert Global Root G2'));
  await putMachineRoot(s, trustRootCert('DigiCert Global Root CA'));
  return s;
}
