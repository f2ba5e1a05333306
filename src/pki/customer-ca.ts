/**
 * A customer's own inspection CA (a middlebox's `inspectionCa`): the certificate and key PEM
 * files a corporate SSL-inspection device signs with, checked before any lab starts, so that a
 * wrong file is a clear error naming the scenario field rather than a handshake failure later.
 *
 *   cert file ──▶ PEM certificates (signing CA first) ──▶ a CA (basicConstraints cA), in validity
 *   key file  ──▶ unencrypted PKCS#8/PKCS#1/SEC1 key ──▶ RSA or EC ──▶ the CA's own public key
 *
 * Why only RSA and ECDSA: forged leaves are signed with SHA-256 (sign-certificate.ts), which is
 * what ssl_bump, mitmproxy and the inspection appliances issue; an Ed25519 CA is refused by name.
 */
import crypto from 'node:crypto';
import { AtpNetlabError, type ErrorLocation } from '../errors.js';
import { splitPemCertificates } from '../pem-bundle.js';

export interface CustomerCaPem {
  certPem: string;
  keyPem: string;
}

function bad(message: string, at: ErrorLocation): AtpNetlabError {
  return new AtpNetlabError('ATPNL_SCENARIO_INVALID', message, at);
}

/** Checks a customer CA; `certAt`/`keyAt` locate the scenario fields that named the files. */
export function checkCustomerCa(pem: CustomerCaPem, names: { cert: string; key: string }, certAt: ErrorLocation, keyAt: ErrorLocation, nowMs = Date.now()): CustomerCaPem {
  const blocks = splitPemCertificates(pem.certPem);
  if (blocks.length === 0) throw bad(`${names.cert}: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file`, certAt);
  let ca: crypto.X509Certificate;
  try {
    ca = new crypto.X509Certificate(blocks[0]!);
  } catch (e) {
    throw bad(`${names.cert}: the first certificate does not parse (${(e as Error).message})`, certAt);
  }
  if (!ca.ca) throw bad(`${names.cert}: ${ca.subject.replace(/\n/g, ', ')} is not a CA certificate (basicConstraints cA is not set); name the inspection CA, not a leaf`, certAt);
  if (Date.parse(ca.validTo) <= nowMs || Date.parse(ca.validFrom) > nowMs) throw bad(`${names.cert}: the CA is not valid now (valid ${ca.validFrom} to ${ca.validTo})`, certAt);
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(pem.keyPem);
  } catch (e) {
    const encrypted = /ENCRYPTED|passphrase/i.test(pem.keyPem.slice(0, 200) + (e as Error).message);
    throw bad(encrypted ? `${names.key}: the key is encrypted; give it unencrypted (openssl pkey -in ${names.key} -out plain.key)` : `${names.key}: not a PEM private key (${(e as Error).message})`, keyAt);
  }
  const type = key.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec') throw bad(`${names.key}: a ${type ?? 'unknown'} key; the middlebox signs forged leaves with RSA or ECDSA (SHA-256) only`, keyAt);
  const spki = (k: crypto.KeyObject) => k.export({ type: 'spki', format: 'der' });
  if (!spki(crypto.createPublicKey(key)).equals(spki(ca.publicKey))) throw bad(`${names.key}: the key is not the private key of ${names.cert} (${ca.subject.replace(/\n/g, ', ')})`, keyAt);
  return pem;
}
