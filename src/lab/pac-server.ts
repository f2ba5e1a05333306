/**
 * A lab web server on its own address and the planned port 80, for PAC files, WPAD and
 * certificate revocation lists:
 *
 *   windows-host ──GET http://wpad.<domain>/wpad.dat──▶ <lab address>:80 ──▶ script text
 *   windows-host ──GET http://pac.<domain>/proxy.pac──▶ same kind of server
 *   windows-host ──GET http://crl.microsoft.com/pki/…──▶ (directly or through a proxy)
 *
 * WinINET fetches PAC and WPAD scripts, and Windows fetches CRLs, over plain HTTP on port 80.
 */
import http from 'node:http';
import { SocketTracker } from './socket-tracker.js';
import type { ComponentEnvironment } from './component-environment.js';
import type { PacServerDefinition } from './kinds/pac-server-kind.js';
import { RecordLog } from './record-log.js';

export type { PacServerDefinition } from './kinds/pac-server-kind.js';

export interface PacRequestRecord {
  from: string;
  host: string;
  path: string;
  status: number;
}

export class StartedPacServer implements AsyncDisposable {
  private constructor(
    readonly records: PacRequestRecord[],
    private readonly tracker: SocketTracker,
    readonly def: PacServerDefinition,
    readonly address: string,
    readonly port: number,
    private readonly server: http.Server,
  ) {}

  static async start(def: PacServerDefinition, env: ComponentEnvironment): Promise<StartedPacServer> {
    const records = new RecordLog<PacRequestRecord>();
    const tracker = new SocketTracker();
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      const body = def.down ? undefined : (def.files[path] ?? Object.entries(def.files).find(([k]) => k.endsWith('*') && path.startsWith(k.slice(0, -1)))?.[1]);
      const status = body === undefined ? 404 : 200;
      records.push({ from: env.whoIs(req.socket.remoteAddress ?? '?'), host: req.headers.host ?? '', path, status });
      if (body === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
        return;
      }
      const type = path.endsWith('.dat') || path.endsWith('.pac') ? 'application/x-ns-proxy-autoconfig' : 'application/octet-stream';
      res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    const port = await env.listen(server, 80, `PAC server ${def.name}`);
    server.on('connection', (s) => tracker.track(s));
    return new StartedPacServer(records, tracker, def, env.address, port, server);
  }

  async stop(): Promise<void> {
    await this.tracker.closeAll([this.server]);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
