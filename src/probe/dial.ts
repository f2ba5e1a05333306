/**
 * The first two steps of every check: resolve the hop's name, then open TCP to it. Shared by
 * the sensorapi check (HTTPS through CONNECT) and the revocation check (plain HTTP).
 */
import type net from 'node:net';
import { NetError, type NetTransport } from '../transport.js';
import type { RouteHop } from '../route.js';
import type { ProbeCode, ProbeStep } from './outcome.js';

export type StepFailure = { fail: true; step: ProbeStep; code: ProbeCode; detail: string };

export interface Dialled {
  socket: net.Socket;
  /** What the network did on the way, when the transport can tell (a transparent proxy). */
  pathNote?: string;
}

export async function dialHop(
  transport: NetTransport,
  hop: RouteHop,
  target: { host: string; port: number },
  opts: { timeoutMs: number; signal?: AbortSignal; onStep?: (step: ProbeStep) => void },
): Promise<StepFailure | Dialled> {
  const dialHost = hop.kind === 'DIRECT' ? target.host : hop.host;
  const dialPort = hop.kind === 'DIRECT' ? target.port : hop.port;
  const what = hop.kind === 'DIRECT' ? target.host : `proxy ${hop.host}`;
  opts.onStep?.('dns');
  let addresses: string[];
  try {
    addresses = await transport.lookup(dialHost);
  } catch (e) {
    return { fail: true, step: 'dns', code: 'DNS_NOT_FOUND', detail: `${what} does not resolve (${(e as Error).message})` };
  }
  opts.onStep?.('tcp');
  let tcpErr: NetError | undefined;
  for (const address of addresses) {
    try {
      const socket = await transport.connect(address, dialPort, { timeoutMs: opts.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
      const note = hop.kind === 'DIRECT' ? transport.pathNote?.(address, dialPort) : undefined;
      return note ? { socket, pathNote: note } : { socket };
    } catch (e) {
      tcpErr = e instanceof NetError ? e : new NetError('ECONNRESET', (e as Error).message);
    }
  }
  const code: ProbeCode = tcpErr?.code === 'ECONNREFUSED' ? 'TCP_REFUSED' : 'TCP_TIMEOUT';
  return { fail: true, step: 'tcp', code, detail: `${what}:${dialPort}: ${tcpErr?.message ?? 'no address'}` };
}
