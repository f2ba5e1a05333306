/**
 * Entry point of the fault relay container (fault-relay.ts has the picture): one listener per
 * faulted link; each accepted connection is dialled on to its target and wrapped in the
 * link's faults by lab/faults/fault-link.ts, as the in-process engine wraps its sockets.
 * What a fault does is printed as one FAULT_EVENT_PREFIX line (JSON) for the engine's trace.
 *
 *   dialler ──▶ inbound ══pipe══▶ wrapped (pair end) ─▶ [upstream faults] ─▶ real ─▶ target
 *   dialler ◀── inbound ◀══pipe══ wrapped (pair end) ◀─ [downstream faults] ◀─ real ◀─ target
 *
 * pipe() carries backpressure and FINs both ways (both sockets half-open, as a TCP relay must
 * be); a reset on one side is a reset on the other, so a fault's RST reaches the dialler.
 */
import fs from 'node:fs';
import net from 'node:net';
import { wrapWithFaults, type FaultEvent } from '../../lab/faults/fault-link.js';
import { tcpConnect } from '../../transport.js';
import { READY_LINE } from './component-spec.js';
import { FAULT_EVENT_PREFIX, RELAY_CONNECT_TIMEOUT_MS, RELAY_SPEC_PATH, type FaultRelaySpec, type RelayFaultEvent, type RelayLink } from './fault-relay.js';

/** A side that ended lingers this long for its peer's last bytes. */
const LINGER_MS = 1_000;

function report(e: FaultEvent): void {
  const line: RelayFaultEvent = { link: e.fault.link, fault: e.fault.type, action: e.action, reason: e.reason, atMs: Date.now() };
  process.stdout.write(`${FAULT_EVENT_PREFIX}${JSON.stringify(line)}\n`);
}

async function relay(inbound: net.Socket, link: RelayLink, ownAddress: string): Promise<void> {
  inbound.on('error', () => undefined);
  let real: net.Socket;
  try {
    real = await tcpConnect(link.target.address, link.target.port, { timeoutMs: RELAY_CONNECT_TIMEOUT_MS }, ownAddress);
  } catch {
    // The target refused or stayed silent: the dialler's connection (accepted here) gets a reset.
    inbound.resetAndDestroy();
    return;
  }
  real.on('error', () => undefined);
  let wrapped: net.Socket;
  try {
    wrapped = await wrapWithFaults(real, link.faults, { localAddress: '127.0.0.1', pairAddress: '127.0.0.1', onEvent: report });
  } catch {
    real.destroy();
    inbound.resetAndDestroy();
    return;
  }
  if (inbound.destroyed) {
    wrapped.destroy();
    return;
  }
  wrapped.allowHalfOpen = true;
  wrapped.on('error', () => {
    if (!inbound.destroyed) inbound.resetAndDestroy();
  });
  inbound.on('error', () => {
    if (!wrapped.destroyed) wrapped.resetAndDestroy();
  });
  const linger = (s: net.Socket) => setTimeout(() => s.destroy(), LINGER_MS).unref();
  wrapped.once('close', () => linger(inbound));
  inbound.once('close', () => linger(wrapped));
  inbound.pipe(wrapped);
  wrapped.pipe(inbound);
  inbound.resume();
}

async function main(): Promise<void> {
  const spec = JSON.parse(fs.readFileSync(RELAY_SPEC_PATH, 'utf8')) as FaultRelaySpec;
  const servers: net.Server[] = [];
  for (const link of spec.links) {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => void relay(s, link, spec.address));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(link.port, spec.address, () => resolve());
    });
    servers.push(server);
  }
  process.stdout.write(`${READY_LINE}: fault relay on ${spec.address}, ${spec.links.length} link(s): ${spec.links.map((l) => `${l.from}->${l.to}`).join(', ')}\n`);
  const stop = () => {
    for (const s of servers) s.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`fault relay failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
