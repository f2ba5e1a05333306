/**
 * The request head a client sends to an explicit proxy (`CONNECT host:port` or an
 * absolute-form `GET http://host/path`), read with a size limit and a deadline, and the
 * plain HTTP answers a lab proxy writes. Shared by the forward proxy and the middlebox.
 */
import http from 'node:http';
import type net from 'node:net';

export interface ProxyRequestHead {
  method: string;
  /** `host:port` for CONNECT, the absolute URL otherwise. */
  target: string;
  version: string;
  /** Header names in lower case; the last value wins. */
  headers: Map<string, string>;
  /** The header lines as received (without the request line), for forwarding. */
  headerLines: string[];
  /** Bytes after the head (the start of a TLS ClientHello, or a request body). */
  rest: Buffer;
}

export type HeadResult = { ok: true; head: ProxyRequestHead } | { ok: false; status: 400 | 431 | null; reason: string };

export const HEAD_LIMIT_BYTES = 8_192;

/** Reads one request head; the socket is paused afterwards with nothing unread lost. */
export function readProxyRequestHead(socket: net.Socket, timeoutMs: number): Promise<HeadResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const done = (r: HeadResult) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      resolve(r);
    };
    // Timers never keep the process alive, and go with the connection.
    const timer = setTimeout(() => done({ ok: false, status: null, reason: 'timeout' }), timeoutMs).unref();
    const onClose = () => done({ ok: false, status: null, reason: 'closed' });
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      // Join once per chunk, bounded by the limit: linear in the head's size.
      const buf = chunks.length === 1 ? chunk : Buffer.concat(chunks, length);
      chunks.length = 0;
      chunks.push(buf);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (length > HEAD_LIMIT_BYTES) done({ ok: false, status: 431, reason: 'request header too large' });
        return;
      }
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const m = /^(\S+) (\S+) (HTTP\/1\.[01])$/.exec(lines[0] ?? '');
      if (!m) {
        done({ ok: false, status: 400, reason: 'bad request line' });
        return;
      }
      const headers = new Map<string, string>();
      const headerLines = lines.slice(1);
      for (const l of headerLines) {
        const c = l.indexOf(':');
        if (c > 0) headers.set(l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim());
      }
      done({ ok: true, head: { method: m[1]!, target: m[2]!, version: m[3]!, headers, headerLines, rest: buf.subarray(end + 4) } });
    };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** `host:port` of a CONNECT target, or undefined when it is not one. */
export function parseAuthority(authority: string, defaultPort = 443): { host: string; port: number } | undefined {
  const colon = authority.lastIndexOf(':');
  const host = (colon > 0 ? authority.slice(0, colon) : authority).replace(/^\[|\]$/g, '').toLowerCase();
  const port = colon > 0 ? Number(authority.slice(colon + 1)) : defaultPort;
  if (!host || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return { host, port };
}

/** A complete HTTP/1.1 answer that closes the connection. */
export function httpResponse(status: number, body: string, extraHeaders: Record<string, string> = {}): string {
  const extra = Object.entries(extraHeaders).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n${extra}\r\n${body}`;
}

/** The status line and raw head of an upstream proxy's answer to our CONNECT. */
export function readResponseHead(socket: net.Socket, timeoutMs: number): Promise<{ status: number; raw: Buffer } | { status: null; reason: string }> {
  return new Promise((resolve) => {
    let buf: Buffer = Buffer.alloc(0);
    const done = (r: { status: number; raw: Buffer } | { status: null; reason: string }) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      resolve(r);
    };
    const timer = setTimeout(() => done({ status: null, reason: 'timeout' }), timeoutMs).unref();
    const onClose = () => done({ status: null, reason: 'closed without a status line' });
    const onData = (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > HEAD_LIMIT_BYTES) done({ status: null, reason: 'answer head too large' });
        return;
      }
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf.subarray(0, Math.min(end, 64)).toString('latin1'));
      if (!m) {
        done({ status: null, reason: 'not an HTTP answer' });
        return;
      }
      // Everything received so far goes to the caller: a refusal's body follows its head.
      done({ status: Number(m[1]), raw: buf });
    };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}
