/**
 * The link wrapper: puts a link's faults on one TCP connection between lab components. The
 * engine connects as usual, then hands the caller a socket of a loopback pair instead of the
 * real one, and moves the bytes between the pair and the real socket through each
 * direction's chain of faults:
 *
 *   caller (probe, proxy, middlebox)                                    target component
 *     │ returned socket (from the caller's own address)                         ▲
 *     ▼                                                                         │ real socket
 *   pair socket ──data──▶ [fault 1] ──▶ [fault 2] ──▶ … ──▶ write ─────────────┘   upstream
 *   pair socket ◀─write── … ◀── [fault 2] ◀── [fault 1] ◀──data── real socket      downstream
 *
 *   close(): FIN on both sockets, as a device that gives up on the connection
 *   reset(): RST on both sockets (resetAndDestroy), as a device that kills it
 *   backpressure: each direction counts the bytes inside its chain (per stage, from entry
 *   until the stage has handled them) plus the receiving socket's writableLength, pauses its
 *   sender above HIGH_WATER_BYTES and resumes it below LOW_WATER_BYTES (or on 'drain')
 *
 * Why a socket pair rather than a stream wrapper: callers treat what connect returns as a
 * net.Socket (TLS over it, timeouts, addresses), and a real socket keeps every one of those
 * honest; the pair listens on the target's own address so remoteAddress still names it, and
 * the target still sees the caller's address on the real socket. The pair's server takes one
 * connection and closes at once.
 */
import net from 'node:net';
import { faultType, type FaultConnection, type FaultInstance, type FaultPipe } from './fault-type.js';
import type { PlannedFault } from './index.js';
import { TLS_APPLICATION_DATA, TlsRecordScanner } from './tls-record-scanner.js';

/** A closed side lingers this long for its last bytes before it is destroyed. */
const CLOSE_LINGER_MS = 1_000;
/**
 * Backpressure: a direction stops reading its sender once this many bytes wait in its fault
 * chain and the receiving socket's buffer, and reads again below LOW_WATER_BYTES. Without it a
 * fast sender behind a slow fault (bandwidth, latency) was read at once and queued without
 * bound; with it the sender's TCP window closes, as behind a real slow link.
 */
const HIGH_WATER_BYTES = 256 * 1024;
const LOW_WATER_BYTES = 64 * 1024;

export interface FaultEvent {
  fault: PlannedFault;
  action: 'close' | 'reset' | 'hold';
  reason: string;
}

export interface WrapOptions {
  /** The caller's lab address (the returned socket comes from it). */
  localAddress: string;
  /** Where the pair's server listens: the target's lab address. */
  pairAddress: string;
  /** Toxicity rolls; tests pass a fixed one. */
  random?: () => number;
  onEvent?: (e: FaultEvent) => void;
}

const END = Symbol('end');
type Item = Buffer | typeof END;

/** Wrap `target` in the faults that this connection draws; returns `target` when none does. */
export async function wrapWithFaults(target: net.Socket, faults: readonly PlannedFault[], opts: WrapOptions): Promise<net.Socket> {
  const random = opts.random ?? Math.random;
  const drawn = faults.filter((f) => f.toxicity >= 1 || random() < f.toxicity);
  if (drawn.length === 0) return target;
  const { client, accepted } = await socketPair(opts.pairAddress, opts.localAddress);
  const abort = new AbortController();
  const conn: FaultConnection = { lastActivityMs: performance.now(), clientHandshakeDone: false };
  let over = false;
  const finish = (action: 'close' | 'reset', fault: PlannedFault | undefined, reason: string) => {
    if (over) return;
    over = true;
    abort.abort();
    if (fault) opts.onEvent?.({ fault, action, reason });
    for (const s of [accepted, target]) {
      if (action === 'reset') s.resetAndDestroy();
      else {
        s.end();
        setTimeout(() => s.destroy(), CLOSE_LINGER_MS).unref();
      }
    }
  };
  // Each side's FIN travels through its direction's faults (a slow_close delays it, a stall
  // keeps it), so both real sockets are half-open: one side's end must not close the other.
  target.allowHalfOpen = true;
  for (const s of [accepted, target, client]) s.on('error', () => finish('reset', undefined, 'socket error'));
  // The caller gone for good: nothing more can reach it; what is still in a chain gets a moment.
  client.once('close', () => setTimeout(() => finish('close', undefined, 'caller closed'), CLOSE_LINGER_MS).unref());
  let closed = 0;
  const onClosed = () => {
    if (++closed < 2 || over) return;
    over = true;
    abort.abort();
  };
  accepted.once('close', onClosed);
  target.once('close', onClosed);

  const chain = (direction: 'upstream' | 'downstream', from: net.Socket, to: net.Socket) => {
    const stages = drawn.filter((f) => f.direction === direction).map((f) => ({ fault: f, instance: faultType(f.type)!.create(f as never) as FaultInstance }));
    const queues: Promise<void>[] = stages.map(() => Promise.resolve());
    /** Bytes each stage has been handed and not yet handled. */
    const inStage = stages.map(() => 0);
    let senderPaused = false;
    const buffered = () => inStage.reduce((a, b) => a + b, to.writableLength);
    const relieve = () => {
      if (senderPaused && buffered() <= LOW_WATER_BYTES) {
        senderPaused = false;
        from.resume();
      }
    };
    to.on('drain', relieve);
    const deliver = (i: number, item: Item) => {
      if (i === stages.length) {
        if (to.destroyed || over) return;
        if (item === END) to.end();
        else to.write(item);
        return;
      }
      const { instance } = stages[i]!;
      const pipe = pipes[i]!;
      const size = item === END ? 0 : item.length;
      inStage[i]! += size;
      queues[i] = queues[i]!.then(async () => {
        if (abort.signal.aborted) return;
        if (item === END) await (instance.end ? instance.end(pipe, conn) : pipe.forwardEnd());
        else await instance.data(item, pipe, conn);
      })
        .catch(() => finish('reset', stages[i]!.fault, `${stages[i]!.fault.type} fault failed`))
        .finally(() => {
          inStage[i]! -= size;
          relieve();
        });
    };
    const pipes: FaultPipe[] = stages.map((s, i) => ({
      forward: (chunk) => deliver(i + 1, chunk),
      forwardEnd: () => deliver(i + 1, END),
      close: (reason) => finish('close', s.fault, reason),
      reset: (reason) => finish('reset', s.fault, reason),
      report: (reason) => opts.onEvent?.({ fault: s.fault, action: 'hold', reason }),
      signal: abort.signal,
    }));
    stages.forEach((s, i) => s.instance.start?.(pipes[i]!, conn));
    const scanner = direction === 'upstream' ? new TlsRecordScanner() : undefined;
    from.on('data', (chunk: Buffer) => {
      conn.lastActivityMs = performance.now();
      if (scanner && !conn.clientHandshakeDone && scanner.push(chunk).some((r) => r.type === TLS_APPLICATION_DATA)) conn.clientHandshakeDone = true;
      deliver(0, chunk);
      if (!senderPaused && buffered() > HIGH_WATER_BYTES) {
        senderPaused = true;
        from.pause();
      }
    });
    from.once('end', () => deliver(0, END));
  };
  chain('upstream', accepted, target);
  chain('downstream', target, accepted);
  return client;
}

/** Two connected loopback sockets: `client` from `localAddress`, `accepted` on `address`. */
function socketPair(address: string, localAddress: string): Promise<{ client: net.Socket; accepted: net.Socket }> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
    server.once('error', reject);
    server.once('connection', (accepted) => {
      server.close();
      const done = () => {
        accepted.resume();
        resolve({ client, accepted });
      };
      if (client.connecting) client.once('connect', done);
      else done();
    });
    let client: net.Socket;
    server.listen(0, address, () => {
      const { port } = server.address() as net.AddressInfo;
      client = net.connect({ host: address, port, localAddress });
      client.once('error', (e) => {
        server.close();
        reject(e);
      });
    });
  });
}
