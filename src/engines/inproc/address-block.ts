/**
 * Every lab gets its own /24 inside 127.77.0.0/16, so labs started concurrently (scenarios in
 * parallel, test files in parallel processes) never share an address or a port, and every
 * cloud endpoint can listen on the real port 443 of its own address.
 *
 * A block is claimed by binding a sentinel socket on 127.77.B.254; whoever holds it owns the
 * block, across processes, and the kernel releases it if the process dies.
 */
import net from 'node:net';
import { AtpNetlabError } from '../../errors.js';

const SENTINEL_PORT = 47_707;
export const LAB_PREFIX = '127.77';

export interface AddressBlock extends AsyncDisposable {
  readonly block: number;
  /** The n-th address of the block (1..250). */
  address(n: number): string;
  release(): Promise<void>;
}

/** The lab only ever sends packets to this machine. */
export function isLoopbackAddress(a: string): boolean {
  return net.isIPv4(a) ? a.startsWith('127.') : a === '::1';
}

let nextHint = Math.floor(Math.random() * 250);

export async function claimAddressBlock(): Promise<AddressBlock> {
  for (let attempt = 0; attempt < 250; attempt++) {
    const block = (nextHint + attempt) % 250;
    const sentinel = net.createServer();
    const ok = await new Promise<boolean>((resolve, reject) => {
      sentinel.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRINUSE') resolve(false);
        else if (e.code === 'EADDRNOTAVAIL') {
          reject(new AtpNetlabError('ATPNL_LAB_BIND', `cannot bind ${LAB_PREFIX}.${block}.254: this system does not route 127.0.0.0/8 to loopback (Linux does; on macOS add aliases with ifconfig lo0 alias)`));
        } else reject(e);
      });
      sentinel.listen(SENTINEL_PORT, `${LAB_PREFIX}.${block}.254`, () => resolve(true));
    });
    if (!ok) continue;
    nextHint = block + 1;
    sentinel.unref();
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await new Promise<void>((r) => sentinel.close(() => r()));
    };
    return {
      block,
      address: (n: number) => `${LAB_PREFIX}.${block}.${n}`,
      release,
      [Symbol.asyncDispose]: release,
    };
  }
  throw new AtpNetlabError('ATPNL_LAB_BIND', `no free lab address block in ${LAB_PREFIX}.0.0/16 (250 labs running?)`);
}

/**
 * Bind a server to a lab address and resolve to the port it got. `EACCES` (a port below 1024
 * without the privilege) is returned as such so the caller can fall back to a mapped port;
 * every other failure is an actionable error.
 */
export function listenOn(server: net.Server, address: string, port: number, what: string): Promise<number | 'EACCES'> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      if (e.code === 'EACCES') {
        resolve('EACCES');
        return;
      }
      reject(new AtpNetlabError('ATPNL_LAB_BIND', `${what} cannot listen on ${address}:${port}: ${e.code ?? e.message}`, {}, { cause: e }));
    };
    server.once('error', onError);
    server.listen(port, address, () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}
