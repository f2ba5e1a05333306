/**
 * A serialized certificate store element: what Windows keeps in the `Blob` value of each
 * certificate under a registry certificate store
 * (HKLM\SOFTWARE\Microsoft\SystemCertificates\<store>\Certificates\<SHA-1>\Blob), as
 * CertSerializeCertificateStoreElement writes it. A list of properties, each
 *
 *   offset 0  propId    u32 LE   (e.g. 3 = SHA-1 hash, 11 = friendly name, 32 = the certificate)
 *   offset 4  reserved  u32 LE   always 1
 *   offset 8  length    u32 LE
 *   offset 12 data      `length` bytes
 *
 * repeated to the end. Property 32 (CERT_CERT_PROP_ID, "reserved" so not in wincrypt.h) holds
 * the DER certificate. The layout and the ids are read from Wine's crypt32 (dlls/crypt32/
 * serialize.c WINE_CERT_PROP_HEADER, CRYPT_findPropID; store.c `#define CERT_CERT_PROP_ID 32`),
 * and test/wine/machine-roots.test.ts reads blobs Wine's crypt32 wrote. Like crypt32, a
 * property id 0 ends the list (uninitialised data). Unlike crypt32, which only fails, every
 * malformed input is an error naming the byte offset.
 */
import { AtpNetlabError } from '../errors.js';

export const CERT_CERT_PROP_ID = 32;
export const CERT_SHA1_HASH_PROP_ID = 3;
const HEADER_BYTES = 12;

export interface SerializedProperty {
  id: number;
  /** Offset of the property's data within the blob. */
  offset: number;
  length: number;
}

export interface SerializedCertificate {
  /** The DER certificate (property 32). */
  der: Uint8Array;
  properties: SerializedProperty[];
}

/** `where` names the value in errors, e.g. `HKLM\...\ROOT\Certificates\DF3C...\Blob`. */
export function parseSerializedCertificate(bytes: Uint8Array, where = 'Blob'): SerializedCertificate {
  const fail = (message: string, offset: number): never => {
    throw new AtpNetlabError('ATPNL_CERT_BLOB', `${where}: ${message}`, { offset });
  };
  if (bytes.length === 0) fail('empty value (a serialized certificate has at least one 12-byte property header)', 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const properties: SerializedProperty[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < HEADER_BYTES) fail(`ends inside a property header (${bytes.length - offset} of ${HEADER_BYTES} bytes)`, offset);
    const id = view.getUint32(offset, true);
    if (id === 0) break;
    const reserved = view.getUint32(offset + 4, true);
    if (reserved !== 1) fail(`property ${id}: reserved field is ${reserved}, expected 1 (not a serialized certificate)`, offset + 4);
    const length = view.getUint32(offset + 8, true);
    const dataOffset = offset + HEADER_BYTES;
    if (length > bytes.length - dataOffset) fail(`property ${id} declares ${length} bytes but only ${bytes.length - dataOffset} remain`, offset + 8);
    properties.push({ id, offset: dataOffset, length });
    offset = dataOffset + length;
  }
  // crypt32 takes the first certificate property (CRYPT_findPropID stops at the first match).
  const cert = properties.find((p) => p.id === CERT_CERT_PROP_ID);
  if (!cert) fail(`no certificate property (id ${CERT_CERT_PROP_ID}) among ${properties.length ? `properties ${properties.map((p) => p.id).join(', ')}` : 'no properties'}`, 0);
  return { der: bytes.subarray(cert!.offset, cert!.offset + cert!.length), properties };
}

/** The inverse, for tests and lab registries: properties in order, the certificate last (as crypt32 writes it). */
export function serializeCertificate(der: Uint8Array, extra: { id: number; data: Uint8Array }[] = []): Uint8Array {
  const parts = [...extra, { id: CERT_CERT_PROP_ID, data: der }];
  const out = new Uint8Array(parts.reduce((n, p) => n + HEADER_BYTES + p.data.length, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const p of parts) {
    view.setUint32(offset, p.id, true);
    view.setUint32(offset + 4, 1, true);
    view.setUint32(offset + 8, p.data.length, true);
    out.set(p.data, offset + HEADER_BYTES);
    offset += HEADER_BYTES + p.data.length;
  }
  return out;
}
