/**
 * Downloads a PAC script through the injected transport, never the host's own network
 * stack: in the lab the PAC server lives behind the lab's DNS and firewall like anything
 * else. A minimal HTTP/1.1 GET over the transport's socket, with one overall deadline.
 */
import http from 'node:http';
import net from 'node:net';
import type { NetTransport } from '../transport.js';

export type PacFetchResult = { ok: true; text: string; url: string } | { ok: false; url: string; reason: string; stage: 'url' | 'dns' | 'tcp' | 'http' };

/** PAC files are small; anything larger is not a PAC file. */
const MAX_PAC_BYTES = 1024 * 1024;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function fetchPacScript(transport: NetTransport, url: string, timeoutMs: number): Promise<PacFetchResult> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, url, stage: 'url', reason: `not a URL: ${JSON.stringify(url)}` };
  }
  if (u.protocol !== 'http:') {
    return { ok: false, url, stage: 'url', reason: `only http:// PAC URLs can be fetched by this tool (got ${u.protocol})` };
  }
  const deadline = Date.now() + timeoutMs;
  const remaining = () => Math.max(1, deadline - Date.now());
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = u.port ? Number(u.port) : 80;

  let addresses: string[];
  if (net.isIP(host)) addresses = [host];
  else {
    try {
      addresses = await withDeadline(transport.lookup(host), remaining(), `DNS lookup of ${host}`);
    } catch (e) {
      return { ok: false, url, stage: 'dns', reason: `cannot resolve ${host}: ${errorText(e)}` };
    }
    if (addresses.length === 0) return { ok: false, url, stage: 'dns', reason: `cannot resolve ${host}: no addresses` };
  }

  let socket: net.Socket | undefined;
  const connectErrors: string[] = [];
  for (const address of addresses) {
    try {
      socket = await transport.connect(address, port, { timeoutMs: remaining() });
      break;
    } catch (e) {
      connectErrors.push(`${address}:${port}: ${errorText(e)}`);
    }
  }
  if (!socket) return { ok: false, url, stage: 'tcp', reason: `cannot connect: ${connectErrors.join('; ')}` };

  const connected = socket;
  return new Promise<PacFetchResult>((resolve) => {
    let settled = false;
    const finish = (r: PacFetchResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      connected.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () => finish({ ok: false, url, stage: 'http', reason: `no complete answer within ${timeoutMs} ms` }),
      remaining(),
    );
    const req = http.request({
      host: u.hostname,
      port,
      path: `${u.pathname}${u.search}`,
      method: 'GET',
      headers: { Host: u.host, Accept: '*/*', Connection: 'close', 'User-Agent': 'atp-netlab (WinINET PAC fetch)' },
      createConnection: () => connected,
    });
    req.on('error', (e) => finish({ ok: false, url, stage: 'http', reason: errorText(e) }));
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        finish({ ok: false, url, stage: 'http', reason: `HTTP ${res.statusCode ?? '?'} ${res.statusMessage ?? ''}`.trim() });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_PAC_BYTES) finish({ ok: false, url, stage: 'http', reason: `script larger than ${MAX_PAC_BYTES} bytes` });
        else chunks.push(c);
      });
      res.on('end', () => finish({ ok: true, url, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => finish({ ok: false, url, stage: 'http', reason: errorText(e) }));
    });
    req.end();
  });
}

export function withDeadline<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} took longer than ${timeoutMs} ms`)), timeoutMs);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
