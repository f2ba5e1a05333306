/**
 * The first two steps of every check: resolve the hop's name, then open TCP to it. Shared by
 * the sensorapi check (HTTPS through CONNECT) and the revocation check (plain HTTP). Returns
 * what happened as evidence; what it means is the verdict's (verdict.ts `dialFailure`).
 */
import type net from 'node:net';
import { AtpNetlabError } from '../errors.js';
import { NetError, type NetTransport } from '../transport.js';
import type { RouteHop } from '../route.js';
import type { DnsEvidence, TcpEvidence } from './evidence.js';
import type { ProbeStep } from './outcome.js';

export interface Dialled {
  dns: DnsEvidence;
  tcp?: TcpEvidence;
  socket?: net.Socket;
  dnsMs: number;
  tcpMs?: number;
}

/** A transport that rejects with anything but a NetError has a bug: that is the tool's error, not the network's. */
function transportBug(what: string, e: unknown): AtpNetlabError {
  return new AtpNetlabError('ATPNL_INTERNAL', `the network transport's ${what} failed with ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} instead of a NetError`, {}, { cause: e });
}

export async function dialHop(
  transport: NetTransport,
  hop: RouteHop,
  target: { host: string; port: number },
  opts: { timeoutMs: number; signal?: AbortSignal; onStep?: (step: ProbeStep) => void },
): Promise<Dialled> {
  const dialHost = hop.kind === 'DIRECT' ? target.host : hop.host;
  const dialPort = hop.kind === 'DIRECT' ? target.port : hop.port;
  opts.onStep?.('dns');
  const t0 = performance.now();
  let addresses: string[];
  try {
    addresses = await transport.lookup(dialHost);
  } catch (e) {
    if (!(e instanceof NetError)) throw transportBug('lookup', e);
    return { dns: { name: dialHost, errorCode: e.code, message: e.message }, dnsMs: performance.now() - t0 };
  }
  const dns: DnsEvidence = { name: dialHost, addresses };
  const dnsMs = performance.now() - t0;
  opts.onStep?.('tcp');
  const t1 = performance.now();
  let tcpErr: NetError | undefined;
  for (const address of addresses) {
    try {
      const socket = await transport.connect(address, dialPort, { timeoutMs: opts.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
      return { dns, dnsMs, tcp: { port: dialPort, address }, socket, tcpMs: performance.now() - t1 };
    } catch (e) {
      if (!(e instanceof NetError)) throw transportBug('connect', e);
      tcpErr = e;
    }
  }
  return {
    dns,
    dnsMs,
    tcp: { port: dialPort, ...(tcpErr ? { errorCode: tcpErr.code, message: tcpErr.message } : { message: 'no address' }) },
    tcpMs: performance.now() - t1,
  };
}
