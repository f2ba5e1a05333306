/**
 * The network as the probe and the WinINET resolver see it. Injected everywhere a packet
 * would leave the host: the real network by default, the lab's DNS + egress firewall in
 * scenarios. Code that takes a NetTransport never knows which one it got.
 */
import dns from 'node:dns/promises';
import net from 'node:net';

export interface ConnectOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface NetTransport {
  /**
   * Name → addresses. Rejects with a NetError: `ENOTFOUND` when the name does not exist,
   * `EAI_AGAIN` when no DNS server could answer.
   */
  lookup(host: string): Promise<string[]>;
  /**
   * Open a TCP connection. Rejects with `code` `ETIMEDOUT` when nothing answers in time
   * (a dropping firewall) or `ECONNREFUSED` when the connection is rejected.
   */
  connect(address: string, port: number, opts: ConnectOptions): Promise<net.Socket>;
  /** The host's DNS suffix search list, most specific first (used by WPAD discovery). */
  readonly dnsSuffixes: readonly string[];
}

/**
 * `ENOTFOUND`: the name does not exist (NXDOMAIN). `EAI_AGAIN`: the resolver could not get an
 * answer at all (DNS server unreachable, SERVFAIL, timeout), which says nothing about the name.
 */
export type NetErrorCode = 'ENOTFOUND' | 'EAI_AGAIN' | 'ETIMEDOUT' | 'ECONNREFUSED' | 'ECONNRESET' | 'EABORTED';

export class NetError extends Error {
  constructor(readonly code: NetErrorCode, message: string) {
    super(message);
  }
}

/**
 * node's resolver error codes → the transport's. getaddrinfo says EAI_AGAIN ("temporary
 * failure in name resolution") when no DNS server answered and EAI_FAIL on a server failure;
 * c-ares (dns.Resolver) says ESERVFAIL, ETIMEOUT, ECONNREFUSED, EREFUSED. Only a definite
 * "no such name" (ENOTFOUND / ENODATA) is ENOTFOUND.
 */
export function lookupErrorCode(code: string | undefined): 'ENOTFOUND' | 'EAI_AGAIN' {
  return code !== undefined && ['EAI_AGAIN', 'EAI_FAIL', 'ESERVFAIL', 'ETIMEOUT', 'ECONNREFUSED', 'EREFUSED', 'EAI_SYSTEM', 'ECANCELLED'].includes(code) ? 'EAI_AGAIN' : 'ENOTFOUND';
}

/**
 * What a dropped SYN does to a connect: nothing until the deadline, then ETIMEDOUT (EABORTED
 * when aborted first). `why` ends the message (which firewall dropped it).
 */
export async function silentUntilDeadline(address: string, port: number, opts: ConnectOptions, why: string): Promise<never> {
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, opts.timeoutMs);
    opts.signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new NetError('EABORTED', 'aborted'));
    }, { once: true });
  });
  throw new NetError('ETIMEDOUT', `no answer from ${address}:${port} within ${opts.timeoutMs} ms (${why})`);
}

/** Plain TCP connect with a deadline; shared by the real transport and the lab's. */
export function tcpConnect(address: string, port: number, opts: ConnectOptions, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port, localAddress });
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      cleanup();
      socket.destroy();
      reject(err);
    };
    // The timers phase runs before I/O in each loop turn: after a busy stretch the deadline can
    // fire before an already-completed connect is seen. One more turn lets I/O land first.
    const timer = setTimeout(
      () => setImmediate(() => fail(new NetError('ETIMEDOUT', `no answer from ${address}:${port} within ${opts.timeoutMs} ms`))),
      opts.timeoutMs,
    );
    const onAbort = () => fail(new NetError('EABORTED', 'aborted'));
    const onError = (e: NodeJS.ErrnoException) => {
      const code = e.code === 'ECONNREFUSED' ? 'ECONNREFUSED' : e.code === 'ETIMEDOUT' ? 'ETIMEDOUT' : 'ECONNRESET';
      fail(new NetError(code, `${address}:${port}: ${e.message}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once('connect', () => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(socket);
    });
  });
}

/** The host's real network: system resolver, real sockets. Used by `atp-netlab probe`. */
/**
 * `ports`: address → the port that really answers there (a lab whose privileged ports are
 * mapped, pinned with `probe --resolve host:address:port`); every connection to that address
 * goes to that port, whatever port the URL or proxy names.
 */
export function realTransport(options: { dnsSuffixes?: string[]; hosts?: ReadonlyMap<string, string>; ports?: ReadonlyMap<string, number> } = {}): NetTransport {
  const hosts = options.hosts ?? new Map<string, string>();
  const ports = options.ports ?? new Map<string, number>();
  return {
    dnsSuffixes: options.dnsSuffixes ?? [],
    async lookup(host) {
      const pinned = hosts.get(host.toLowerCase());
      if (pinned) return [pinned];
      if (net.isIP(host)) return [host];
      try {
        const res = await dns.lookup(host, { all: true });
        return res.map((r) => r.address);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new NetError(lookupErrorCode(code), `${host}: ${code ?? 'lookup failed'}`);
      }
    },
    connect: (address, port, opts) => tcpConnect(address, ports.get(address) ?? port, opts),
  };
}
