/**
 * Every lab server keeps its sockets so that stopping a lab closes them all at once: a
 * server's close() only stops accepting, and a scenario must leave no open handle behind.
 */
import type net from 'node:net';

export class SocketTracker {
  private readonly sockets = new Set<net.Socket>();
  private closed = false;

  get isClosed(): boolean {
    return this.closed;
  }

  track<T extends net.Socket>(s: T): T {
    if (this.sockets.has(s)) return s;
    if (this.closed) {
      s.destroy();
      return s;
    }
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
    // Errors are handled where the socket is used; this keeps a late one from being unhandled.
    s.on('error', () => undefined);
    return s;
  }

  /** Destroy every tracked socket, then wait for the servers to close. Idempotent. */
  async closeAll(servers: net.Server[]): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await Promise.all(servers.map((srv) => new Promise<void>((r) => srv.close(() => r()))));
  }
}
