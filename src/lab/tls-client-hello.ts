/**
 * Sans-IO: read the first TLS ClientHello from the bytes a client sent, without consuming
 * them, to learn the server name (SNI) before deciding whether to splice or intercept.
 *
 *   bytes ──▶ TLS records (type 22 = handshake) ──▶ handshake message type 1 (ClientHello)
 *             (the message may span several records)     └─▶ extensions: server_name (0),
 *                                                              ALPN (16), supported_versions (43)
 *
 * It never throws on hostile input: anything that is not a well-formed ClientHello is
 * `not-tls` (a plain-text protocol) or `malformed` (TLS that cannot be read), and a prefix of
 * a valid one is `need-more`. It allocates nothing from attacker-declared lengths.
 */

/** Largest ClientHello we wait for (hellos with big post-quantum key shares are ~2 KB). */
export const MAX_CLIENT_HELLO_BYTES = 16_384 + 5 * 4;

export interface ClientHelloFacts {
  /** server_name (host_name) as sent, lower-cased; null when the client sent none. */
  sni: string | null;
  /** Record-layer version (e.g. 0x0301), as `major.minor`. */
  recordVersion: string;
  /** ClientHello.legacy_version, e.g. `TLSv1.2`. */
  helloVersion: string;
  /** Versions from supported_versions (TLS 1.3 clients), most preferred first; empty if absent. */
  supportedVersions: string[];
  /** ALPN protocol names offered. */
  alpn: string[];
}

export type ClientHelloPeek =
  | { status: 'need-more' }
  | { status: 'not-tls' }
  | { status: 'malformed'; reason: string }
  | { status: 'ok'; hello: ClientHelloFacts };

const CONTENT_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const EXT_SUPPORTED_VERSIONS = 43;

export function versionName(v: number): string {
  switch (v) {
    case 0x0300: return 'SSLv3';
    case 0x0301: return 'TLSv1';
    case 0x0302: return 'TLSv1.1';
    case 0x0303: return 'TLSv1.2';
    case 0x0304: return 'TLSv1.3';
    default: return `0x${v.toString(16).padStart(4, '0')}`;
  }
}

class Truncated extends Error {}

/** A bounds-checked reader: reading past the end throws Truncated (caught below). */
class Reader {
  constructor(private readonly buf: Buffer, private pos = 0, private readonly end = buf.length) {}
  get remaining(): number { return this.end - this.pos; }
  u8(): number { this.need(1); return this.buf[this.pos++]!; }
  u16(): number { this.need(2); const v = this.buf.readUInt16BE(this.pos); this.pos += 2; return v; }
  u24(): number { this.need(3); const v = this.buf.readUIntBE(this.pos, 3); this.pos += 3; return v; }
  bytes(n: number): Buffer { this.need(n); const b = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return b; }
  sub(n: number): Reader { this.need(n); const r = new Reader(this.buf, this.pos, this.pos + n); this.pos += n; return r; }
  private need(n: number): void { if (this.pos + n > this.end) throw new Truncated(); }
}

/**
 * Peek at the bytes received so far. Call again with more bytes while it says `need-more`.
 */
export function peekClientHello(data: Buffer): ClientHelloPeek {
  if (data.length === 0) return { status: 'need-more' };
  if (data[0] !== CONTENT_HANDSHAKE) return { status: 'not-tls' };
  // Reassemble the handshake layer from consecutive handshake records.
  const fragments: Buffer[] = [];
  let fragmentBytes = 0;
  let recordVersion = 0;
  let pos = 0;
  let declared: number | undefined;
  for (;;) {
    if (declared !== undefined && fragmentBytes >= declared + 4) break;
    if (data.length < pos + 5) return { status: 'need-more' };
    const type = data[pos]!;
    const major = data[pos + 1]!;
    const len = data.readUInt16BE(pos + 3);
    if (type !== CONTENT_HANDSHAKE) {
      return pos === 0 ? { status: 'not-tls' } : { status: 'malformed', reason: `record type ${type} before the ClientHello was complete` };
    }
    if (major !== 3) return pos === 0 ? { status: 'not-tls' } : { status: 'malformed', reason: `record version ${major}.x` };
    if (len === 0 || len > 16_384 + 2048) return { status: 'malformed', reason: `record length ${len}` };
    if (pos === 0) recordVersion = data.readUInt16BE(1);
    if (data.length < pos + 5 + len) return { status: 'need-more' };
    fragments.push(data.subarray(pos + 5, pos + 5 + len));
    fragmentBytes += len;
    pos += 5 + len;
    if (declared === undefined && fragmentBytes >= 4) {
      const hs = Buffer.concat(fragments);
      if (hs[0] !== HANDSHAKE_CLIENT_HELLO) return { status: 'malformed', reason: `first handshake message is type ${hs[0]}, not ClientHello` };
      declared = hs.readUIntBE(1, 3);
      if (declared > MAX_CLIENT_HELLO_BYTES) return { status: 'malformed', reason: `ClientHello of ${declared} bytes` };
    }
    if (pos > MAX_CLIENT_HELLO_BYTES + 5 * 8) return { status: 'malformed', reason: 'ClientHello too large' };
  }
  const hs = Buffer.concat(fragments);
  try {
    return { status: 'ok', hello: parseHelloBody(new Reader(hs, 4, 4 + declared), recordVersion) };
  } catch (e) {
    return { status: 'malformed', reason: e instanceof Truncated ? 'ClientHello field runs past its length' : (e as Error).message };
  }
}

function parseHelloBody(r: Reader, recordVersion: number): ClientHelloFacts {
  const helloVersion = r.u16();
  r.bytes(32); // random
  r.bytes(r.u8()); // legacy_session_id
  r.bytes(r.u16()); // cipher_suites
  r.bytes(r.u8()); // legacy_compression_methods
  const facts: ClientHelloFacts = {
    sni: null,
    recordVersion: `${recordVersion >> 8}.${recordVersion & 0xff}`,
    helloVersion: versionName(helloVersion),
    supportedVersions: [],
    alpn: [],
  };
  if (r.remaining === 0) return facts; // SSLv3-era hello without extensions
  const exts = r.sub(r.u16());
  while (exts.remaining > 0) {
    const type = exts.u16();
    const body = exts.sub(exts.u16());
    if (type === EXT_SERVER_NAME) {
      const list = body.sub(body.u16());
      while (list.remaining > 0) {
        const nameType = list.u8();
        const name = list.bytes(list.u16());
        if (nameType === 0 && facts.sni === null) facts.sni = name.toString('latin1').toLowerCase().replace(/\.$/, '');
      }
    } else if (type === EXT_ALPN) {
      const list = body.sub(body.u16());
      while (list.remaining > 0) facts.alpn.push(list.bytes(list.u8()).toString('latin1'));
    } else if (type === EXT_SUPPORTED_VERSIONS) {
      const list = body.sub(body.u8());
      while (list.remaining >= 2) facts.supportedVersions.push(versionName(list.u16()));
    }
  }
  return facts;
}
