/**
 * Sans-IO: follow TLS record boundaries in a byte stream that may start with a plain HTTP
 * head (a CONNECT request or its answer on a proxy link). Faults that act on the TLS
 * handshake (reset_after_client_hello, timeout afterHandshake) need to know where a record
 * ends, and chunks do not follow records.
 */
export const TLS_HANDSHAKE = 22;
export const TLS_APPLICATION_DATA = 23;

export interface CompletedRecord {
  type: number;
  /** Offset in the chunk just pushed right after the record's last byte. */
  end: number;
}

export class TlsRecordScanner {
  private inTls = false;
  private header: number[] = [];
  private remaining = 0;
  private type = 0;

  /** Records that end in this chunk, in order. */
  push(chunk: Buffer): CompletedRecord[] {
    const out: CompletedRecord[] = [];
    let i = 0;
    if (!this.inTls) {
      // Plain bytes until a chunk carries a record header (0x14..0x17, major version 3):
      // a CONNECT head and its answer come in chunks of their own before the tunnel's first
      // record, because each side waits for the other's.
      if (chunk.length >= 2 && chunk[0]! >= 20 && chunk[0]! <= 23 && chunk[1] === 3) this.inTls = true;
      else return out;
    }
    while (i < chunk.length) {
      if (this.remaining === 0) {
        this.header.push(chunk[i++]!);
        if (this.header.length === 5) {
          this.type = this.header[0]!;
          this.remaining = (this.header[3]! << 8) | this.header[4]!;
          this.header = [];
          if (this.remaining === 0) out.push({ type: this.type, end: i });
        }
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - i);
      i += take;
      this.remaining -= take;
      if (this.remaining === 0) out.push({ type: this.type, end: i });
    }
    return out;
  }
}
