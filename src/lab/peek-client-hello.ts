/**
 * I/O half of the SNI peek: read from a socket until tls-client-hello.ts can decide, then
 * put every byte back (unshift) so that whoever takes the socket next (a byte pipe, or a
 * node TLS server socket, which drains the readable buffer on start) sees the stream intact.
 */
import type net from 'node:net';
import { peekClientHello, MAX_CLIENT_HELLO_BYTES, type ClientHelloPeek } from './tls-client-hello.js';

export type PeekResult = Exclude<ClientHelloPeek, { status: 'need-more' }> | { status: 'timeout' } | { status: 'closed' };

export function readClientHello(socket: net.Socket, timeoutMs: number, already: Buffer = Buffer.alloc(0)): Promise<PeekResult> {
  return new Promise((resolve) => {
    let buf = already;
    let settled = false;
    const settle = (r: PeekResult) => {
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onClosed);
      socket.off('close', onClosed);
      socket.off('error', onClosed);
      socket.pause();
      if (buf.length) socket.unshift(buf);
      resolve(r);
    };
    const decide = () => {
      const p = peekClientHello(buf);
      if (p.status !== 'need-more') settle(p);
      else if (buf.length > MAX_CLIENT_HELLO_BYTES * 2) settle({ status: 'malformed', reason: 'no complete ClientHello' });
    };
    const onData = (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      decide();
    };
    const onClosed = () => settle({ status: 'closed' });
    const timer = setTimeout(() => settle({ status: 'timeout' }), timeoutMs).unref();
    socket.on('data', onData);
    socket.once('end', onClosed);
    socket.once('close', onClosed);
    socket.once('error', onClosed);
    if (buf.length) decide();
    if (!settled) socket.resume();
  });
}
