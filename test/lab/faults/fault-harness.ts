/**
 * Real loopback sockets for fault tests: a server on 127.0.0.1, a real connection to it, and
 * that connection wrapped in faults exactly as the in-process engine wraps a link's.
 */
import net from 'node:net';
import { afterEach } from 'vitest';
import { wrapWithFaults, type FaultEvent } from '../../../src/lab/faults/fault-link.js';
import { faultDefinitionSchema, type PlannedFault } from '../../../src/lab/faults/index.js';
import { tcpConnect } from '../../../src/transport.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

export interface Wrapped {
  /** What the caller (probe, proxy) holds. */
  client: net.Socket;
  /** The target's side of the real connection. */
  server: net.Socket;
  events: FaultEvent[];
}

/** A fault as a scenario would write it, with the schema's defaults. */
export function fault(def: Record<string, unknown>): PlannedFault {
  return faultDefinitionSchema.parse({ link: 'host->proxy', ...def }) as PlannedFault;
}

export async function wrapped(faults: PlannedFault[], random?: () => number): Promise<Wrapped> {
  const server = net.createServer();
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  const real = await tcpConnect('127.0.0.1', port, { timeoutMs: 2_000 });
  const events: FaultEvent[] = [];
  const client = await wrapWithFaults(real, faults, { localAddress: '127.0.0.1', pairAddress: '127.0.0.1', onEvent: (e) => events.push(e), ...(random ? { random } : {}) });
  const s = await accepted;
  server.close();
  for (const x of [client, s, real]) x.on('error', () => undefined);
  cleanups.push(() => [client, s, real].forEach((x) => x.destroy()));
  return { client, server: s, events };
}

/** Every byte a socket receives until it ends or closes, with when it ended and how. */
export function collect(s: net.Socket): Promise<{ data: Buffer; chunks: number; endedAtMs: number; error?: string }> {
  const t0 = performance.now();
  const parts: Buffer[] = [];
  return new Promise((resolve) => {
    let error: string | undefined;
    s.on('data', (b: Buffer) => parts.push(b));
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    const done = () => resolve({ data: Buffer.concat(parts), chunks: parts.length, endedAtMs: performance.now() - t0, ...(error ? { error } : {}) });
    s.once('end', done);
    s.once('close', done);
  });
}

/** Bytes received within `ms`, without waiting for an end. */
export async function within(s: net.Socket, ms: number): Promise<{ data: Buffer; ended: boolean }> {
  const parts: Buffer[] = [];
  let ended = false;
  const onData = (b: Buffer) => parts.push(b);
  const onEnd = () => (ended = true);
  s.on('data', onData);
  s.once('end', onEnd);
  s.once('close', onEnd);
  await new Promise((r) => setTimeout(r, ms));
  s.off('data', onData);
  return { data: Buffer.concat(parts), ended };
}
