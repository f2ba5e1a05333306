/**
 * A byte pipe between two sockets (plain or TLS), used for tunnels, splices and the
 * decrypted leg of an interception. An error on either side destroys both; a clean end on
 * one side ends the other, and a lingering half is destroyed shortly after, so a lab never
 * keeps a socket open after both peers are gone.
 */
import type { Duplex } from 'node:stream';

const LINGER_MS = 2_000;

export interface RelayOptions {
  /**
   * Called on the first error of either side; return true to take over the other side
   * (e.g. to answer with a block page) instead of having it destroyed; `hold` also keeps it
   * open when the failed side closes (a peer that stalls, as Squid does, instead of closing).
   */
  onError?: (side: Duplex, err: Error) => boolean | 'hold';
}

export function relay(a: Duplex, b: Duplex, opts: RelayOptions = {}): void {
  a.pipe(b);
  b.pipe(a);
  let failed = false;
  let held: Duplex | undefined;
  const onError = (side: Duplex, other: Duplex) => (err: Error) => {
    if (failed) return;
    failed = true;
    side.unpipe(other);
    other.unpipe(side);
    side.destroy();
    const taken = opts.onError?.(side, err);
    if (taken === 'hold') held = other;
    else if (!taken) other.destroy();
  };
  a.on('error', onError(a, b));
  b.on('error', onError(b, a));
  const onClose = (other: Duplex) => () => {
    if (other.destroyed || other === held) return;
    other.end();
    setTimeout(() => other.destroy(), LINGER_MS).unref();
  };
  a.once('close', onClose(b));
  b.once('close', onClose(a));
  a.resume();
  b.resume();
}
