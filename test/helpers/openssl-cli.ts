/** The openssl CLI as an outside witness: making CAs, and a verifying TLS client through a CONNECT proxy. */
import { spawn, spawnSync } from 'node:child_process';

export const OPENSSL_MISSING = spawnSync('openssl', ['version']).error ? 'the openssl CLI is not installed (apt-get install openssl)' : undefined;

/** `openssl s_client` through the middlebox's CONNECT, verifying against `caFile`; resolves with its exit code and output. */
export function opensslThroughProxy(proxy: { address: string; port: number }, host: string, caFile: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('openssl', ['s_client', '-proxy', `${proxy.address}:${proxy.port}`, '-connect', `${host}:443`, '-servername', host, '-CAfile', caFile, '-verify_return_error', '-brief'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => p.kill(), 10_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
    // Q: end the session once the handshake is done (s_client reads stdin).
    p.stdin.end('Q\n');
  });
}
