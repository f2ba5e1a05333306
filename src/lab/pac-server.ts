/**
 * A lab web server for PAC files and WPAD, on its own address and the real port 80:
 *
 *   windows-host ──GET http://wpad.<domain>/wpad.dat──▶ 127.77.B.n:80 ──▶ script text
 *   windows-host ──GET http://pac.<domain>/proxy.pac──▶ same kind of server
 *
 * WinINET fetches PAC and WPAD scripts over plain HTTP on port 80, so the lab does too.
 */
import http from 'node:http';
import type net from 'node:net';
import { listenOn } from './address-block.js';

export interface PacServerDefinition {
  /** DNS name (also registered under the lab domain); `wpad` makes it the WPAD server. */
  name: string;
  /** Path → script text. */
  files: Record<string, string>;
  /** Serve nothing (every request 404), to model a PAC URL that is down. */
  down?: boolean;
}

export interface PacRequestRecord {
  from: string;
  path: string;
  status: number;
}

export class StartedPacServer implements AsyncDisposable {
  private constructor(
    readonly records: PacRequestRecord[],
    private readonly sockets: Set<net.Socket>,
    readonly def: PacServerDefinition,
    readonly address: string,
    readonly port: number,
    private readonly server: http.Server,
  ) {}

  static async start(def: PacServerDefinition, env: { address: string; whoIs: (a: string) => string; port?: number }): Promise<StartedPacServer> {
    const records: PacRequestRecord[] = [];
    const sockets = new Set<net.Socket>();
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      const body = def.down ? undefined : def.files[path];
      const status = body === undefined ? 404 : 200;
      records.push({ from: env.whoIs(req.socket.remoteAddress ?? '?'), path, status });
      if (body === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-ns-proxy-autoconfig', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    const port = env.port ?? 80;
    await listenOn(server, env.address, port, `PAC server ${def.name}`);
    server.on('connection', (s) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    return new StartedPacServer(records, sockets, def, env.address, port, server);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
