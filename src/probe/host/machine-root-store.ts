/**
 * The LocalMachine root stores as Windows keeps them in the registry, read-only, for the
 * required-roots check. Cert:\LocalMachine\Root is a logical store over physical ones; each is
 * a registry key whose `Certificates\<SHA-1>` subkeys hold a `Blob` (a serialized certificate,
 * src/registry/serialized-certificate.ts):
 *
 *   RegistryStore ─▶ exportKeys(store key) once ─▶ Certificates\<SHA-1>\Blob ─▶ DER ─▶ X509Certificate
 *                                                                              └▶ checkRequiredRoots
 *
 * Reading the registry rather than calling CertOpenStore keeps the probe pure Node (no native
 * module, no PowerShell) and lets the same code read a live host (reg.exe), Wine's registry
 * (test/wine/machine-roots.test.ts: crypt32 imports the host's roots there) and a lab registry.
 * A malformed blob is a named problem of that certificate, never a crash of the check.
 */
import { X509Certificate } from 'node:crypto';
import type { Cloud } from '../../catalog/endpoints.js';
import { requiredRoots } from '../../catalog/trust-roots.js';
import { isAtpNetlabError } from '../../errors.js';
import { MemoryRegistryStore } from '../../registry/memory-registry-store.js';
import type { RegistryStore } from '../../registry/registry-store.js';
import { parseSerializedCertificate } from '../../registry/serialized-certificate.js';
import { checkRequiredRoots } from './required-roots.js';
import type { HostCheckResult } from './host-prerequisite-codes.js';

/** The physical stores chain building trusts as machine roots (System Store Locations, learn.microsoft.com). */
export const MACHINE_ROOT_STORES = [
  { name: 'Root', key: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\ROOT' },
  // Third-Party Root Certification Authorities: where automatic root update puts the roots it fetches.
  { name: 'AuthRoot', key: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\AuthRoot' },
  { name: 'Group Policy Root', key: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\SystemCertificates\\Root' },
  { name: 'Enterprise Root', key: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\EnterpriseCertificates\\Root' },
] as const;

/**
 * The Untrusted Certificates stores: a certificate here is distrusted even when a root store
 * holds it (chain building checks Disallowed first), so a required root found here counts as
 * missing. Administrators and Windows Update's disallowed list put certificates here.
 */
export const MACHINE_DISALLOWED_STORES = [
  { name: 'Disallowed', key: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\Disallowed' },
  { name: 'Group Policy Disallowed', key: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\SystemCertificates\\Disallowed' },
] as const;

/** Policy value that turns automatic root update off (then a missing root stays missing). */
export const DISABLE_ROOT_AUTO_UPDATE = { key: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\SystemCertificates\\AuthRoot', name: 'DisableRootAutoUpdate' } as const;

export interface MachineRootCertificate {
  store: string;
  /** The subkey's name: Windows names it by the certificate's SHA-1 thumbprint. */
  thumbprint: string;
  cert: X509Certificate;
}

export interface MachineRoots {
  certificates: MachineRootCertificate[];
  /** Certificates of the Disallowed stores (present stores only; they are not counted in `stores`). */
  distrusted: MachineRootCertificate[];
  stores: { name: string; key: string; present: boolean; count: number }[];
  /** Blobs that could not be read and misnamed keys, each naming its value. */
  problems: string[];
  autoUpdateDisabled: boolean;
}

export async function readMachineRoots(store: RegistryStore): Promise<MachineRoots> {
  const out: MachineRoots = { certificates: [], distrusted: [], stores: [], problems: [], autoUpdateDisabled: false };
  for (const s of MACHINE_ROOT_STORES) {
    const certs = await readPhysicalStore(store, s, out.problems);
    out.stores.push({ name: s.name, key: s.key, present: certs !== undefined, count: certs?.length ?? 0 });
    out.certificates.push(...(certs ?? []));
  }
  for (const s of MACHINE_DISALLOWED_STORES) out.distrusted.push(...((await readPhysicalStore(store, s, out.problems)) ?? []));
  const policy = await store.readValue(DISABLE_ROOT_AUTO_UPDATE.key, DISABLE_ROOT_AUTO_UPDATE.name);
  out.autoUpdateDisabled = policy?.type === 'REG_DWORD' && policy.data === 1;
  return out;
}

/** One physical store's certificates, or undefined when its key is absent; unreadable blobs go to `problems`. */
async function readPhysicalStore(store: RegistryStore, s: { name: string; key: string }, problems: string[]): Promise<MachineRootCertificate[] | undefined> {
  if (!(await store.keyExists(s.key))) return undefined;
  // One export per store: reg.exe per certificate would be hundreds of processes.
  const tree = new MemoryRegistryStore();
  await tree.importReg(await store.exportKeys([s.key]));
  const out: MachineRootCertificate[] = [];
  for (const sub of await tree.listSubkeys(`${s.key}\\Certificates`)) {
    const thumbprint = sub.slice(sub.lastIndexOf('\\') + 1).toUpperCase();
    const where = `${sub}\\Blob`;
    const blob = await tree.readValue(sub, 'Blob');
    if (!blob) {
      problems.push(`${where}: missing`);
      continue;
    }
    if (blob.type !== 'REG_BINARY') {
      problems.push(`${where}: ${blob.type}, expected REG_BINARY`);
      continue;
    }
    try {
      const cert = new X509Certificate(parseSerializedCertificate(blob.data, where).der);
      if (cert.fingerprint.replace(/:/g, '') !== thumbprint) problems.push(`${sub}: the key is named ${thumbprint} but holds the certificate with SHA-1 ${cert.fingerprint.replace(/:/g, '')}`);
      out.push({ store: s.name, thumbprint, cert });
    } catch (e) {
      problems.push(isAtpNetlabError(e) ? e.describe() : `${where}: not a certificate (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return out;
}

/**
 * The required-roots check over the machine stores. No store key at all is `indeterminate`
 * (a registry without certificate stores cannot say the root is missing), and so is a root
 * missing from a .reg export (`export`) that lacks some store; a missing root names the
 * stores read and whether automatic root update could still fetch it.
 */
export async function checkMachineRoots(store: RegistryStore, cloud: Cloud, nowMs: number, opts: { export?: boolean } = {}): Promise<HostCheckResult & { missing?: string[]; notes?: string[]; stores: MachineRoots['stores'] }> {
  const m = await readMachineRoots(store);
  const read = m.stores.filter((s) => s.present);
  const problems = m.problems.length ? `; ${m.problems.length} problem${m.problems.length === 1 ? '' : 's'}: ${m.problems.slice(0, 3).join('; ')}${m.problems.length > 3 ? '; …' : ''}` : '';
  if (read.length === 0) {
    return { check: 'required-roots', status: 'indeterminate', detail: `no machine certificate store in the registry (${MACHINE_ROOT_STORES.map((s) => s.key).join(', ')})`, stores: m.stores };
  }
  const r = checkRequiredRoots(m.certificates.map((c) => c.cert), cloud, nowMs, m.distrusted.map((c) => c.cert));
  const where = `machine stores read: ${read.map((s) => `${s.name} (${s.count})`).join(', ')}${problems}`;
  if (r.status === 'ok') {
    const wanted = new Set(requiredRoots(cloud).map((x) => x.sha256));
    const found = m.certificates.filter((c) => wanted.has(c.cert.fingerprint256)).map((c) => c.store);
    return { ...r, detail: `${r.detail} (in ${[...new Set(found)].join(', ')}); ${where}`, stores: m.stores };
  }
  const unread = m.stores.filter((s) => !s.present).map((s) => s.name);
  if (opts.export && unread.length) {
    // An export that lacks a store says nothing about it: the root may be there on the host.
    return { check: 'required-roots', status: 'indeterminate', detail: `${r.detail}; ${where}; not in the export, so not judged: ${unread.join(', ')}`, missing: r.missing, notes: r.notes, stores: m.stores };
  }
  const update = m.autoUpdateDisabled
    ? 'automatic root update is off (DisableRootAutoUpdate=1), so Windows will not fetch it'
    : 'Windows may still fetch it on demand through automatic root update (ctldl.windowsupdate.com) unless that is blocked; AD CS servers are exempt from it';
  return { ...r, detail: `${r.detail}; ${where}; ${update}`, stores: m.stores };
}
