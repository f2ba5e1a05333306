/**
 * The control socket of a running `lab up`, like toxiproxy's API but local: a unix socket in
 * the lab's own temporary folder (mode 0600, in a 0700 folder), one JSON request per
 * connection and one JSON answer.
 *
 *   atp-netlab lab fault add …  ──{"op":"add","fault":{…}}──▶ control.sock ──▶ lab.faults.add
 *                               ◀──{"ok":true,"faults":[…]}──
 *
 * Only the user who started the lab can connect; nothing listens on TCP. Requests are
 * bounded (MAX_REQUEST_BYTES) and checked; a bad one gets {"ok":false,"error":…}, never a
 * crash of the lab.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import { AtpNetlabError, isAtpNetlabError } from '../../errors.js';
import type { LabFaults } from '../../engines/engine.js';
import type { PlannedFault } from '../../lab/faults/index.js';

export const CONTROL_SOCKET_NAME = 'control.sock';
const MAX_REQUEST_BYTES = 64 * 1024;
const CLIENT_TIMEOUT_MS = 5_000;

export type ControlRequest = { op: 'list' } | { op: 'add'; fault: unknown } | { op: 'remove'; name: string };
export type ControlAnswer = { ok: true; faults: PlannedFault[]; changed?: PlannedFault } | { ok: false; error: string };

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

function answer(faults: LabFaults, req: unknown): ControlAnswer {
  const r = req as Partial<{ op: string; fault: unknown; name: unknown }>;
  try {
    if (r?.op === 'list') return { ok: true, faults: faults.list() };
    if (r?.op === 'add') {
      const changed = faults.add(r.fault);
      return { ok: true, faults: faults.list(), changed };
    }
    if (r?.op === 'remove' && typeof r.name === 'string') {
      const changed = faults.remove(r.name);
      return { ok: true, faults: faults.list(), changed };
    }
    return { ok: false, error: 'unknown request: op must be list, add (with fault) or remove (with name)' };
  } catch (e) {
    if (isAtpNetlabError(e)) return { ok: false, error: e.message };
    throw e;
  }
}

export async function startControlServer(socketPath: string, faults: LabFaults): Promise<ControlServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_REQUEST_BYTES) return void s.end(JSON.stringify({ ok: false, error: `request over ${MAX_REQUEST_BYTES} bytes` }) + '\n');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let reply: ControlAnswer;
      try {
        reply = answer(faults, JSON.parse(buf.slice(0, nl)));
      } catch (e) {
        reply = { ok: false, error: e instanceof SyntaxError ? `not JSON: ${e.message}` : String(e) };
      }
      s.end(JSON.stringify(reply) + '\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  // The folder is the lab's own (0700); the socket itself is the owner's only, too.
  await fs.chmod(socketPath, 0o600);
  return {
    path: socketPath,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await fs.rm(socketPath, { force: true });
    },
  };
}

/** One request to a running lab's control socket. */
export function sendControl(socketPath: string, req: ControlRequest): Promise<ControlAnswer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    let buf = '';
    s.setEncoding('utf8');
    s.setTimeout(CLIENT_TIMEOUT_MS, () => s.destroy(new Error(`no answer from ${socketPath} within ${CLIENT_TIMEOUT_MS} ms`)));
    s.on('data', (c: string) => (buf += c));
    s.once('error', (e: NodeJS.ErrnoException) =>
      reject(new AtpNetlabError('ATPNL_USAGE', `cannot reach the lab's control socket ${socketPath}: ${e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? 'no lab is running there (start one with `atp-netlab lab up`)' : e.message}`)),
    );
    s.once('end', () => {
      try {
        resolve(JSON.parse(buf) as ControlAnswer);
      } catch {
        reject(new AtpNetlabError('ATPNL_USAGE', `${socketPath}: not a lab control socket (answer: ${JSON.stringify(buf.slice(0, 80))})`));
      }
    });
    s.write(JSON.stringify(req) + '\n');
  });
}
