/**
 * Sensor → updater on localhost TCP 444 (prerequisites-sensor-version-2.md, "Localhost port").
 * A drop (host firewall policy) shows up as a timeout, which is the known-issues page's
 * "connected party did not properly respond after a period of time"; a refusal means nothing
 * listens, i.e. the updater service is down. The verdict is pure; `dialUpdaterPort` gathers the
 * evidence with a real socket.
 */
import net from 'node:net';
import { failed, type HostCheckResult } from './host-prerequisite-codes.js';

export const UPDATER_PORT = 444;

export type UpdaterPortEvidence =
  | { outcome: 'connected'; port: number }
  | { outcome: 'refused'; port: number }
  | { outcome: 'timeout'; port: number; timeoutMs: number }
  | { outcome: 'error'; port: number; message: string };

export function checkUpdaterPort(e: UpdaterPortEvidence): HostCheckResult {
  switch (e.outcome) {
    case 'connected':
      return { check: 'updater-port', status: 'ok', detail: `localhost:${e.port} accepted the connection` };
    case 'timeout':
      return failed('updater-port', 'HOST_UPDATER_PORT_BLOCKED', `localhost:${e.port} did not answer within ${e.timeoutMs} ms (dropped)`);
    case 'refused':
      return failed('updater-port', 'HOST_UPDATER_NOT_LISTENING', `localhost:${e.port} refused the connection (nothing listening)`);
    case 'error':
      return { check: 'updater-port', status: 'indeterminate', detail: `localhost:${e.port}: ${e.message}` };
  }
}

/** Connect once to 127.0.0.1:port and close; never sends a byte. Loopback only by construction. */
export function dialUpdaterPort(port = UPDATER_PORT, timeoutMs = 3000): Promise<UpdaterPortEvidence> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ outcome: 'timeout', port, timeoutMs });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ outcome: 'connected', port });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(err.code === 'ECONNREFUSED' ? { outcome: 'refused', port } : { outcome: 'error', port, message: `${err.code ?? ''} ${err.message}`.trim() });
    });
  });
}
