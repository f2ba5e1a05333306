/**
 * Certificate issuance: node-forge builds the X.509 structure (names, validity, extensions),
 * node's native crypto makes the keys and the signature.
 *
 * Why not forge all the way: forge only knows RSA, and RSA-2048 key generation costs ~150 ms
 * per key on a 2-core machine (7 keys ≈ 1 s), while the lab PKI must generate cold in well
 * under a second and the middlebox must forge a leaf per SNI on demand. So keys are ECDSA
 * P-256 (generation ≈ 0.1 ms, signing ≈ 0.1 ms, like many real TLS deployments), forge
 * encodes the TBSCertificate with a placeholder key, and we splice in the real
 * SubjectPublicKeyInfo, the signature algorithm and the native signature.
 */
import crypto from 'node:crypto';
import forge from 'node-forge';

export type KeyType = 'ec' | 'rsa';

export interface KeyPairPem {
  keyPem: string;
  publicKeyPem: string;
}

export function generateKey(type: KeyType = 'ec'): KeyPairPem {
  const { privateKey, publicKey } =
    type === 'ec' ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }) : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export interface IssueOptions {
  subjectCN: string;
  subjectO?: string;
  /** DNS names for server leaves. */
  dnsNames?: string[];
  usage: 'ca' | 'server' | 'client';
  notBefore: Date;
  notAfter: Date;
  publicKeyPem: string;
  /** Issuer's certificate (PEM); omitted for a self-signed root (then signerKeyPem is the subject's own key). */
  issuerCertPem?: string;
  signerKeyPem: string;
}

const asn1 = forge.asn1;
const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const OID_RSA_SHA256 = forge.pki.oids['sha256WithRSAEncryption']!;
// forge needs *a* public key object to encode the TBS; it is replaced before signing.
const PLACEHOLDER_RSA = forge.pki.setRsaPublicKey(new forge.jsbn.BigInteger('c3', 16), new forge.jsbn.BigInteger('10001', 16));

function spkiDer(publicKeyPem: string): Buffer {
  return crypto.createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
}

/** RFC 7093 method 1: leftmost 160 bits of SHA-256 of the SPKI. Issuer and subject compute it alike. */
function keyIdentifier(spki: Buffer): string {
  return crypto.createHash('sha256').update(spki).digest().subarray(0, 20).toString('binary');
}

function algorithmIdentifier(signerKeyPem: string): forge.asn1.Asn1 {
  const ec = crypto.createPrivateKey(signerKeyPem).asymmetricKeyType === 'ec';
  const oid = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(ec ? OID_ECDSA_SHA256 : OID_RSA_SHA256).getBytes());
  // RSA algorithm identifiers carry an explicit NULL; ECDSA ones must omit parameters.
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, ec ? [oid] : [oid, asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')]);
}

export function issueCertificate(o: IssueOptions): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = PLACEHOLDER_RSA;
  // Positive, non-zero serial: a leading 0x01 keeps the DER INTEGER positive.
  cert.serialNumber = '01' + crypto.randomBytes(15).toString('hex');
  cert.validity.notBefore = o.notBefore;
  cert.validity.notAfter = o.notAfter;
  const subject = [{ name: 'commonName', value: o.subjectCN }, { name: 'organizationName', value: o.subjectO ?? 'atp-netlab lab' }];
  cert.setSubject(subject);
  // forge cannot parse an EC certificate, so the issuer's Name is copied as raw ASN.1 below.
  cert.setIssuer(subject);
  const subjectSpki = spkiDer(o.publicKeyPem);
  const issuerSpki = o.issuerCertPem ? new crypto.X509Certificate(o.issuerCertPem).publicKey.export({ type: 'spki', format: 'der' }) : subjectSpki;
  const exts: object[] = [];
  if (o.usage === 'ca') {
    exts.push({ name: 'basicConstraints', cA: true, critical: true });
    exts.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true });
  } else {
    exts.push({ name: 'basicConstraints', cA: false });
    exts.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true });
    exts.push(o.usage === 'client' ? { name: 'extKeyUsage', clientAuth: true } : { name: 'extKeyUsage', serverAuth: true });
  }
  if (o.dnsNames?.length) exts.push({ name: 'subjectAltName', altNames: o.dnsNames.map((value) => ({ type: 2, value })) });
  exts.push({ name: 'subjectKeyIdentifier' });
  // RFC 5280 §4.2.1.1: the AKI must equal the issuer's own SKI. A customer's CA (openssl's
  // default is SHA-1 of the key bits, others pick arbitrary values) need not use our method,
  // so copy the issuer's SKI when it has one; only a self-signed root computes it.
  const issuerSki = o.issuerCertPem ? subjectKeyIdentifierOf(o.issuerCertPem) : undefined;
  exts.push({ name: 'authorityKeyIdentifier', keyIdentifier: issuerSki ?? keyIdentifier(issuerSpki) });
  cert.setExtensions(exts);
  // setExtensions derived the SKI from the placeholder key; replace it with the real one.
  const ski = cert.extensions.find((e: { name: string }) => e.name === 'subjectKeyIdentifier') as { value: unknown; subjectKeyIdentifier: string };
  ski.value = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, keyIdentifier(subjectSpki));
  ski.subjectKeyIdentifier = forge.util.bytesToHex(keyIdentifier(subjectSpki));

  // getTBSCertificate is public in forge but missing from its type definitions.
  cert.siginfo.algorithmOid = OID_RSA_SHA256;
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, spki, [3] extensions
  const fields = tbs.value as forge.asn1.Asn1[];
  const sigAlg = algorithmIdentifier(o.signerKeyPem);
  fields[2] = sigAlg;
  if (o.issuerCertPem) fields[3] = subjectNameAsn1(o.issuerCertPem);
  fields[6] = asn1.fromDer(forge.util.createBuffer(subjectSpki.toString('binary')));
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = crypto.sign('sha256', tbsDer, o.signerKeyPem);
  const certAsn1 = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    algorithmIdentifier(o.signerKeyPem),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, '\x00' + signature.toString('binary')),
  ]);
  const der = Buffer.from(asn1.toDer(certAsn1).getBytes(), 'binary');
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
}

function tbsFieldsOf(certPem: string): forge.asn1.Asn1[] {
  const der = new crypto.X509Certificate(certPem).raw;
  const certSeq = asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  return (certSeq.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
}

function subjectNameAsn1(certPem: string): forge.asn1.Asn1 {
  return tbsFieldsOf(certPem)[5]!;
}

const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';

/** The raw key identifier bytes of a certificate's SKI extension, or undefined when it has none. */
export function subjectKeyIdentifierOf(certPem: string): string | undefined {
  // forge cannot parse EC certificates, so walk the ASN.1: [3] EXPLICIT { SEQUENCE OF Extension }.
  const explicit = tbsFieldsOf(certPem).find((f) => f.tagClass === asn1.Class.CONTEXT_SPECIFIC && f.type === 3);
  const list = (explicit?.value as forge.asn1.Asn1[] | undefined)?.[0]?.value as forge.asn1.Asn1[] | undefined;
  for (const ext of list ?? []) {
    const parts = ext.value as forge.asn1.Asn1[];
    if (asn1.derToOid(parts[0]!.value as string) !== OID_SUBJECT_KEY_IDENTIFIER) continue;
    // extnValue is an OCTET STRING wrapping the DER of KeyIdentifier ::= OCTET STRING.
    const inner = asn1.fromDer(forge.util.createBuffer(parts[parts.length - 1]!.value as string));
    return inner.value as string;
  }
  return undefined;
}

/** Windows-style thumbprint: SHA-1 of the DER, upper-case hex without separators. */
export function thumbprint(certPem: string): string {
  return new crypto.X509Certificate(certPem).fingerprint.replace(/:/g, '').toUpperCase();
}
