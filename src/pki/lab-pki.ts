/**
 * The lab's certificate authorities and leaves, named by role:
 *
 *   trusted-root ──▶ cloud-issuing-ca ──▶ <host> leaves         (what the mock cloud presents;
 *                                                                mirrors DigiCert G2 → Azure TLS CA)
 *   sensor-ca ──▶ client-cert                                   (the sensor's enrolled identity;
 *                                                                the cloud trusts sensor-ca only)
 *   middlebox-ca ──▶ forged leaves                              (SSL inspection re-signing)
 *   untrusted-ca ──▶ wrong-ca leaves, unenrolled-client-cert    (negative cases)
 *   expired-leaf, wrong-host-leaf                               (negative cases, from cloud-issuing-ca)
 *
 * Cached under one directory (default `certs/`), keys written 0600. The first load generates
 * everything into a temporary directory and renames it into place, so concurrent test
 * processes never see a half-written cache.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AtpNetlabError } from '../errors.js';
import { generateKey, issueCertificate, thumbprint } from './sign-certificate.js';
import { splitPemCertificates } from '../pem-bundle.js';
import { userCacheDir } from '../user-cache-dir.js';

export const PKI_LAYOUT_VERSION = 1;

export const PKI_ROLES = ['trusted-root', 'cloud-issuing-ca', 'sensor-ca', 'client-cert', 'middlebox-ca', 'untrusted-ca', 'unenrolled-client-cert', 'leaf-key'] as const;
export type PkiRole = (typeof PKI_ROLES)[number];

export interface CertKey {
  /** Leaf first, then intermediates (never the root), as a TLS server or client presents it. */
  chainPem: string;
  certPem: string;
  keyPem: string;
  thumbprint: string;
  subject: string;
}

export type LeafIssuer = 'cloud' | 'middlebox' | 'untrusted';

export interface LeafOptions {
  issuer?: LeafIssuer;
  /** Valid dates entirely in the past. */
  expired?: boolean;
  /** Issue for this name instead of the requested one (the leaf is then presented for `host`). */
  subjectHost?: string;
  /**
   * A CA the lab did not generate (a customer's inspection CA): `certPem` is the signing CA,
   * optionally followed by its chain; overrides `issuer`.
   */
  issuerCa?: { certPem: string; keyPem: string };
}

const DAY_MS = 86_400_000;

export class LabPki {
  private readonly leafCache = new Map<string, CertKey>();
  private constructor(
    readonly dir: string,
    private readonly items: Record<Exclude<PkiRole, 'leaf-key'>, CertKey>,
    private readonly leafKey: { keyPem: string; publicKeyPem: string },
  ) {}

  static async load(dir = defaultPkiDir()): Promise<LabPki> {
    const abs = path.resolve(dir);
    if (!isComplete(abs)) generateInto(abs);
    try {
      const items = {} as Record<Exclude<PkiRole, 'leaf-key'>, CertKey>;
      for (const role of PKI_ROLES) {
        if (role === 'leaf-key') continue;
        items[role] = readCertKey(abs, role);
      }
      const leafKeyPem = fs.readFileSync(path.join(abs, 'leaf-key.key'), 'utf8');
      const publicKeyPem = crypto.createPublicKey(leafKeyPem).export({ type: 'spki', format: 'pem' }).toString();
      return new LabPki(abs, items, { keyPem: leafKeyPem, publicKeyPem });
    } catch (e) {
      throw new AtpNetlabError('ATPNL_PKI', `lab PKI under ${abs} is unreadable (delete the folder to regenerate): ${(e as Error).message}`, { file: abs }, { cause: e });
    }
  }

  get trustedRoot(): CertKey { return this.items['trusted-root']; }
  get cloudIssuingCa(): CertKey { return this.items['cloud-issuing-ca']; }
  get sensorCa(): CertKey { return this.items['sensor-ca']; }
  get clientCert(): CertKey { return this.items['client-cert']; }
  get middleboxCa(): CertKey { return this.items['middlebox-ca']; }
  get untrustedCa(): CertKey { return this.items['untrusted-ca']; }
  get unenrolledClientCert(): CertKey { return this.items['unenrolled-client-cert']; }

  /** File holding the roots a lab host must trust to talk to the lab cloud (and, if told so, the middlebox). */
  trustBundlePath(which: 'cloud' | 'cloud+middlebox' = 'cloud'): string {
    const file = path.join(this.dir, which === 'cloud' ? 'trust-bundle.pem' : 'trust-bundle-with-middlebox.pem');
    const body = which === 'cloud' ? this.trustedRoot.certPem : this.trustedRoot.certPem + this.middleboxCa.certPem;
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== body) writeAtomic(file, body, 0o644);
    return file;
  }

  /**
   * A server leaf for `host`, from the chosen issuer. Leaves share one key (generated once),
   * so issuing one costs a native signature only; they are cached in memory per process.
   */
  leaf(host: string, opts: LeafOptions = {}): CertKey {
    if (opts.issuerCa) return this.leafFromCa(host, opts.issuerCa);
    const issuerName = opts.issuer ?? 'cloud';
    const key = `${issuerName}|${host}|${opts.expired ? 'x' : ''}|${opts.subjectHost ?? ''}`;
    const cached = this.leafCache.get(key);
    if (cached) return cached;
    const issuer = issuerName === 'cloud' ? this.cloudIssuingCa : issuerName === 'middlebox' ? this.middleboxCa : this.untrustedCa;
    const now = Date.now();
    const name = opts.subjectHost ?? host;
    const certPem = issueCertificate({
      subjectCN: name,
      subjectO: issuerName === 'cloud' ? 'atp-netlab cloud' : issuerName === 'middlebox' ? 'atp-netlab middlebox (forged)' : 'atp-netlab untrusted',
      dnsNames: [name],
      usage: 'server',
      notBefore: new Date(opts.expired ? now - 60 * DAY_MS : now - DAY_MS),
      notAfter: new Date(opts.expired ? now - 30 * DAY_MS : now + 365 * DAY_MS),
      publicKeyPem: this.leafKey.publicKeyPem,
      issuerCertPem: issuer.certPem,
      signerKeyPem: issuer.keyPem,
    });
    // Intermediates travel with the leaf; the root never does (like real servers).
    const chainPem = issuerName === 'cloud' ? certPem + this.cloudIssuingCa.certPem : certPem;
    const ck: CertKey = { chainPem, certPem, keyPem: this.leafKey.keyPem, thumbprint: thumbprint(certPem), subject: `CN=${name}` };
    this.leafCache.set(key, ck);
    return ck;
  }

  /**
   * A forged leaf from a customer's CA. The chain sent with it is the leaf plus every
   * certificate of the CA file that is not self-signed (the intermediates; roots never travel).
   */
  private leafFromCa(host: string, ca: { certPem: string; keyPem: string }): CertKey {
    const certs = splitPemCertificates(ca.certPem);
    const signer = certs[0]!;
    const key = `ca:${thumbprint(signer)}|${host}`;
    const cached = this.leafCache.get(key);
    if (cached) return cached;
    const now = Date.now();
    const certPem = issueCertificate({
      subjectCN: host,
      subjectO: 'atp-netlab middlebox (forged, customer CA)',
      dnsNames: [host],
      usage: 'server',
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 365 * DAY_MS),
      publicKeyPem: this.leafKey.publicKeyPem,
      issuerCertPem: signer,
      signerKeyPem: ca.keyPem,
    });
    const intermediates = certs.filter((c) => {
      const x = new crypto.X509Certificate(c);
      return !(x.subject === x.issuer && x.verify(x.publicKey));
    });
    const ck: CertKey = { chainPem: certPem + intermediates.join(''), certPem, keyPem: this.leafKey.keyPem, thumbprint: thumbprint(certPem), subject: `CN=${host}` };
    this.leafCache.set(key, ck);
    return ck;
  }

  /**
   * `count` sensors' own client certificates, each enrolled under the sensor CA with its own
   * name and serial (what the cloud tells sensors apart by). They share the lab's leaf key:
   * generating 500 RSA keys would cost more than the load being measured.
   */
  sensorFleet(count: number): CertKey[] {
    const now = Date.now();
    return Array.from({ length: count }, (_, i) => {
      const name = `atp-netlab-sensor-DC${String(i + 1).padStart(4, '0')}`;
      const certPem = issueCertificate({
        subjectCN: name,
        subjectO: 'atp-netlab sensor',
        usage: 'client',
        notBefore: new Date(now - DAY_MS),
        notAfter: new Date(now + 365 * DAY_MS),
        publicKeyPem: this.leafKey.publicKeyPem,
        issuerCertPem: this.sensorCa.certPem,
        signerKeyPem: this.sensorCa.keyPem,
      });
      return { chainPem: certPem, certPem, keyPem: this.leafKey.keyPem, thumbprint: thumbprint(certPem), subject: `CN=${name}` };
    });
  }

  /** Subject CN of the CA that issued a presented chain's top certificate, for reports. */
  describeIssuer(role: 'cloud' | 'middlebox' | 'untrusted'): string {
    return role === 'cloud' ? subjectOf(this.cloudIssuingCa.certPem) : role === 'middlebox' ? subjectOf(this.middleboxCa.certPem) : subjectOf(this.untrustedCa.certPem);
  }
}

/** $ATP_NETLAB_CERTS, else <user cache>/certs (private keys: never the current folder). */
export function defaultPkiDir(): string {
  return process.env.ATP_NETLAB_CERTS || path.join(userCacheDir(), 'certs');
}

function subjectOf(pem: string): string {
  return new crypto.X509Certificate(pem).subject.replace(/\n/g, ', ');
}

function isComplete(dir: string): boolean {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { version?: number; notAfter?: string };
    if (m.version !== PKI_LAYOUT_VERSION) return false;
    // Regenerate a month before the lab CAs expire rather than fail mysteriously later.
    return !m.notAfter || Date.parse(m.notAfter) - Date.now() > 30 * DAY_MS;
  } catch {
    return false;
  }
}

function readCertKey(dir: string, role: string): CertKey {
  const certPem = fs.readFileSync(path.join(dir, `${role}.pem`), 'utf8');
  const keyPem = fs.readFileSync(path.join(dir, `${role}.key`), 'utf8');
  const chainFile = path.join(dir, `${role}.chain.pem`);
  const chainPem = fs.existsSync(chainFile) ? fs.readFileSync(chainFile, 'utf8') : certPem;
  return { certPem, keyPem, chainPem, thumbprint: thumbprint(certPem), subject: subjectOf(certPem) };
}

function writeAtomic(file: string, body: string, mode: number): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, body, { mode });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}

function generateInto(dir: string): void {
  const parent = path.dirname(dir);
  // Folders created here hold private keys: owner only (an existing folder keeps its mode).
  fs.mkdirSync(parent, { recursive: true, mode: 0o700 });
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(dir)}-gen-`));
  const now = Date.now();
  const notBefore = new Date(now - DAY_MS);
  const caNotAfter = new Date(now + 5 * 365 * DAY_MS);
  const leafNotAfter = new Date(now + 2 * 365 * DAY_MS);
  const write = (role: string, certPem: string, keyPem: string, chainPem?: string) => {
    fs.writeFileSync(path.join(tmp, `${role}.pem`), certPem, { mode: 0o644 });
    fs.writeFileSync(path.join(tmp, `${role}.key`), keyPem, { mode: 0o600 });
    fs.chmodSync(path.join(tmp, `${role}.key`), 0o600);
    if (chainPem) fs.writeFileSync(path.join(tmp, `${role}.chain.pem`), chainPem, { mode: 0o644 });
  };
  const selfSigned = (role: string, cn: string, o: string) => {
    const k = generateKey();
    const pem = issueCertificate({ subjectCN: cn, subjectO: o, usage: 'ca', notBefore, notAfter: caNotAfter, publicKeyPem: k.publicKeyPem, signerKeyPem: k.keyPem });
    write(role, pem, k.keyPem);
    return { certPem: pem, keyPem: k.keyPem };
  };
  const root = selfSigned('trusted-root', 'atp-netlab Lab Cloud Root G2', 'atp-netlab cloud');
  const issuingKey = generateKey();
  const issuing = issueCertificate({ subjectCN: 'atp-netlab Lab Azure TLS Issuing CA 01', subjectO: 'atp-netlab cloud', usage: 'ca', notBefore, notAfter: caNotAfter, publicKeyPem: issuingKey.publicKeyPem, issuerCertPem: root.certPem, signerKeyPem: root.keyPem });
  write('cloud-issuing-ca', issuing, issuingKey.keyPem);
  const sensorCa = selfSigned('sensor-ca', 'atp-netlab Lab Sensor Enrollment CA', 'atp-netlab cloud');
  selfSigned('middlebox-ca', 'atp-netlab Lab Inspection CA (middlebox)', 'atp-netlab middlebox');
  const untrusted = selfSigned('untrusted-ca', 'atp-netlab Lab Untrusted CA', 'atp-netlab untrusted');
  const clientKey = generateKey();
  const client = issueCertificate({ subjectCN: 'atp-netlab-sensor-DC01', subjectO: 'atp-netlab sensor', usage: 'client', notBefore, notAfter: leafNotAfter, publicKeyPem: clientKey.publicKeyPem, issuerCertPem: sensorCa.certPem, signerKeyPem: sensorCa.keyPem });
  write('client-cert', client, clientKey.keyPem);
  const rogue = issueCertificate({ subjectCN: 'atp-netlab-unenrolled-sensor', subjectO: 'atp-netlab untrusted', usage: 'client', notBefore, notAfter: leafNotAfter, publicKeyPem: clientKey.publicKeyPem, issuerCertPem: untrusted.certPem, signerKeyPem: untrusted.keyPem });
  write('unenrolled-client-cert', rogue, clientKey.keyPem);
  const leafKey = generateKey();
  fs.writeFileSync(path.join(tmp, 'leaf-key.key'), leafKey.keyPem, { mode: 0o600 });
  fs.writeFileSync(path.join(tmp, 'README.md'), '# Lab PKI cache\n\nGenerated by atp-netlab; safe to delete (it is regenerated). Keys are 0600. Never trust these roots outside a lab.\n');
  fs.writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify({ version: PKI_LAYOUT_VERSION, generatedAt: new Date(now).toISOString(), notAfter: caNotAfter.toISOString() }, null, 2));
  fs.chmodSync(tmp, 0o755);
  try {
    if (fs.existsSync(dir)) {
      // Stale or partial: move it aside first so the rename below is atomic.
      fs.renameSync(dir, `${dir}.old-${process.pid}-${Date.now()}`);
    }
    fs.renameSync(tmp, dir);
  } catch (e) {
    // Another process won the race; its cache is as good as ours.
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!isComplete(dir)) throw e;
  }
  for (const old of fs.readdirSync(parent)) {
    if (old.startsWith(`${path.basename(dir)}.old-`)) fs.rmSync(path.join(parent, old), { recursive: true, force: true });
  }
}
