/**
 * The Blob parser against a blob Wine 8.0's crypt32 wrote (test/fixtures/registry/
 * wine-8.0-root-digicert-g2.reg: `reg export` of the key crypt32 created when it imported
 * Debian's ca-certificates into HKLM\Software\Microsoft\SystemCertificates\Root), and against
 * malformed input, each with its offset.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TRUST_ROOTS } from '../../src/catalog/trust-roots.js';
import { AtpNetlabError } from '../../src/errors.js';
import { MemoryRegistryStore, readRegFileBytes } from '../../src/registry/index.js';
import { CERT_CERT_PROP_ID, CERT_SHA1_HASH_PROP_ID, parseSerializedCertificate, serializeCertificate } from '../../src/registry/serialized-certificate.js';

const G2 = TRUST_ROOTS.find((r) => r.name === 'DigiCert Global Root G2')!;
const G2_DER = new Uint8Array(new X509Certificate(G2.pem!).raw);

function errorOf(bytes: Uint8Array): AtpNetlabError {
  try {
    parseSerializedCertificate(bytes, 'ROOT\\Certificates\\X\\Blob');
  } catch (e) {
    expect(e).toBeInstanceOf(AtpNetlabError);
    return e as AtpNetlabError;
  }
  throw new Error('no error');
}

function u32(...n: number[]): number[] {
  return n.flatMap((v) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
}

describe('serialized certificate (a system store Blob)', () => {
  it("reads the blob Wine's crypt32 wrote for DigiCert Global Root G2: SHA-1 property, then the certificate", async () => {
    const file = 'test/fixtures/registry/wine-8.0-root-digicert-g2.reg';
    const store = MemoryRegistryStore.fromRegFile(readRegFileBytes(readFileSync(file), { file }));
    const key = 'HKEY_LOCAL_MACHINE\\Software\\Microsoft\\SystemCertificates\\Root\\Certificates\\DF3C24F9BFD666761B268073FE06D1CC8D4F82A4';
    const blob = await store.readValue(key, 'Blob');
    expect(blob?.type).toBe('REG_BINARY');
    const parsed = parseSerializedCertificate(blob!.data as Uint8Array);
    expect(parsed.properties.map((p) => p.id)).toEqual([CERT_SHA1_HASH_PROP_ID, CERT_CERT_PROP_ID]);
    const cert = new X509Certificate(parsed.der);
    expect(cert.fingerprint256).toBe(G2.sha256);
    expect(cert.fingerprint).toBe(G2.sha1);
    // the SHA-1 property holds the thumbprint the key is named by
    const sha1 = parsed.properties[0]!;
    expect(Buffer.from((blob!.data as Uint8Array).subarray(sha1.offset, sha1.offset + sha1.length)).toString('hex').toUpperCase()).toBe('DF3C24F9BFD666761B268073FE06D1CC8D4F82A4');
  });

  it('round-trips what serializeCertificate writes; a zero property id ends the list as in crypt32', () => {
    const blob = serializeCertificate(G2_DER, [{ id: 11, data: new Uint8Array([0x41, 0, 0, 0]) }]);
    expect(Buffer.from(parseSerializedCertificate(blob).der)).toEqual(Buffer.from(G2_DER));
    const padded = new Uint8Array([...blob, ...u32(0, 0, 0)]);
    expect(parseSerializedCertificate(padded).properties).toHaveLength(2);
  });

  it('malformed input is ATPNL_CERT_BLOB naming the value and the offset', () => {
    const good = serializeCertificate(G2_DER);
    const cases: [string, Uint8Array, RegExp, number][] = [
      ['empty', new Uint8Array(), /empty value/, 0],
      ['truncated header', good.subarray(0, 7), /ends inside a property header \(7 of 12 bytes\)/, 0],
      ['length past the end', good.subarray(0, good.length - 1), new RegExp(`property 32 declares ${G2_DER.length} bytes but only ${G2_DER.length - 1} remain`), 8],
      ['reserved not 1', new Uint8Array([...u32(32, 2, 0)]), /reserved field is 2, expected 1/, 4],
      ['no certificate property', new Uint8Array([...u32(3, 1, 2), 0xaa, 0xbb]), /no certificate property \(id 32\) among properties 3/, 0],
      ['only a terminator', new Uint8Array(u32(0, 0, 0)), /no certificate property \(id 32\) among no properties/, 0],
      ['second header truncated', new Uint8Array([...u32(3, 1, 0), 1, 2, 3]), /ends inside a property header \(3 of 12 bytes\)/, 12],
    ];
    for (const [what, bytes, message, offset] of cases) {
      const e = errorOf(bytes);
      expect(e.code, what).toBe('ATPNL_CERT_BLOB');
      expect(e.message, what).toMatch(message);
      expect(e.message, what).toMatch(/^ROOT\\Certificates\\X\\Blob: /);
      expect(e.location.offset, what).toBe(offset);
    }
  });
});
