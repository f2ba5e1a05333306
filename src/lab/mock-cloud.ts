/**
 * The mock sensorapi cloud, on node:https (mockttp cannot see a client certificate, and the
 * whole point here is to see whether the sensor's own certificate arrived).
 *
 *   sensor / proxy / middlebox ──TLS 1.2+ (client cert requested)──▶ <lab address>:443  <host>
 *       GET /tri/sensor/api/ping            → 200 "Ok"  (503 for a legacy workspace)
 *       GET /tri/sensor/api/lab/authenticated → 200 only for an enrolled sensor certificate, else 401
 *       POST /tri/sensor/api/lab/upload        → 200 (bytes received) for an enrolled sensor, else 401;
 *                                                 the body is read and counted, never kept (cap 1 MiB)
 *
 * One component per host, each on its own lab address and the planned port 443 (the engine
 * maps it when the process may not bind 443), presenting a leaf for that host from the lab's
 * cloud CA (or a negative-case leaf). Every request is recorded.
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import { PING_PATH } from '../catalog/index.js';
import type { LabPki } from '../pki/index.js';
import { thumbprint } from '../pki/index.js';
import type { ComponentEnvironment } from './component-environment.js';
import type { CloudHostDefinition } from './kinds/cloud-endpoint-kind.js';
import { SocketTracker } from './socket-tracker.js';
import { RecordLog } from './record-log.js';

export const AUTH_CHECK_PATH = '/tri/sensor/api/lab/authenticated';
/** A sensor's periodic upload in `atp-netlab load` (the traffic shape, not the product's API). */
export const UPLOAD_PATH = '/tri/sensor/api/lab/upload';
/** Largest upload body the lab cloud reads; a larger one is refused with 413. */
export const UPLOAD_MAX_BYTES = 1024 * 1024;
/**
 * Set on every answer of the lab cloud, so the probe can tell the cloud's answer from a
 * middlebox's own (ProbeOptions.cloudMarkerHeader). Middleboxes that relay pass it through.
 */
export const LAB_CLOUD_MARKER_HEADER = 'x-atpnl-lab-cloud';

export type { CloudHostDefinition } from './kinds/cloud-endpoint-kind.js';

export interface CloudRequestRecord {
  host: string;
  sni: string | null;
  path: string;
  status: number;
  /** Thumbprint of the client certificate the cloud received, or null. */
  clientCertThumbprint: string | null;
  enrolled: boolean;
  /** Lab component that opened the TCP connection (windows-host, a proxy, the middlebox…). */
  fromHop: string;
  tlsVersion: string | null;
  /** Process-wide sequence number: records of several endpoints merge in the order they happened. */
  seq: number;
}

let nextSeq = 0;

export interface StartedCloudEndpoint {
  host: string;
  address: string;
  port: number;
}

export class StartedMockCloud implements AsyncDisposable {
  readonly records: CloudRequestRecord[] = new RecordLog();
  readonly handshakeFailures: { host: string; fromHop: string; error: string; seq: number }[] = new RecordLog();
  private readonly servers: http.Server[] = [];
  private readonly tracker = new SocketTracker();
  readonly endpoints: StartedCloudEndpoint[] = [];

  private constructor(
    private readonly pki: LabPki,
    private readonly enrolledThumbprints: Set<string>,
    private readonly whoIs: (address: string) => string,
  ) {}

  /** One endpoint for `def.host` on the environment's address. */
  static async start(def: CloudHostDefinition, env: ComponentEnvironment, opts: { enrolledThumbprints?: string[] } = {}): Promise<StartedMockCloud> {
    const cloud = new StartedMockCloud(env.pki, new Set(opts.enrolledThumbprints ?? [env.pki.clientCert.thumbprint]), (a) => env.whoIs(a));
    try {
      await cloud.startEndpoint(def, env);
    } catch (e) {
      await cloud.stop();
      throw e;
    }
    return cloud;
  }

  /** More sensors the cloud knows (a load run's fleet), by certificate thumbprint. */
  enroll(thumbprints: Iterable<string>): void {
    for (const t of thumbprints) this.enrolledThumbprints.add(t);
  }

  get port(): number {
    return this.endpoints[0]?.port ?? 443;
  }

  private async startEndpoint(def: CloudHostDefinition, env: ComponentEnvironment): Promise<void> {
    const cert =
      def.certificate === 'expired' ? this.pki.leaf(def.host, { expired: true })
      : def.certificate === 'wrong-host' ? this.pki.leaf(def.host, { subjectHost: `not-${def.host}` })
      : def.certificate === 'untrusted' ? this.pki.leaf(def.host, { issuer: 'untrusted' })
      : this.pki.leaf(def.host);
    const tlsOptions: https.ServerOptions = {
      key: cert.keyPem,
      cert: cert.chainPem,
      ca: [this.pki.sensorCa.certPem],
      requestCert: true,
      // `request` lets the cloud answer 401 itself, which is what an inspected sensor sees.
      rejectUnauthorized: def.clientCert === 'require',
      minVersion: 'TLSv1.2',
      maxVersion: def.maxTlsVersion ?? 'TLSv1.3',
      keepAliveTimeout: 10_000,
    };
    const server: http.Server = def.fault === 'plain-http' ? http.createServer({ keepAliveTimeout: 10_000 }) : https.createServer(tlsOptions);
    server.on('connection', (s: net.Socket) => this.tracker.track(s));
    server.on('tlsClientError', (err: Error, s: tls.TLSSocket) => {
      this.handshakeFailures.push({ host: def.host, fromHop: this.whoIs(s.remoteAddress ?? '?'), error: (err as NodeJS.ErrnoException).code ?? err.message, seq: nextSeq++ });
    });
    server.on('request', (req, res) => {
      if (def.fault === 'plain-http') {
        // Only reached by a client that speaks plain HTTP here; a TLS client fails before.
        res.writeHead(403, { 'content-type': 'text/html' }).end('<h1>Blocked by web filter</h1>');
        return;
      }
      const sock = req.socket as tls.TLSSocket;
      const peer = sock.getPeerCertificate();
      const hasCert = !!peer && Object.keys(peer).length > 0 && !!peer.raw;
      const tp = hasCert ? thumbprint(`-----BEGIN CERTIFICATE-----\n${peer.raw.toString('base64')}\n-----END CERTIFICATE-----\n`) : null;
      const enrolled = hasCert && sock.authorized && tp !== null && this.enrolledThumbprints.has(tp);
      const path = (req.url ?? '/').split('?')[0]!;
      const record = (st: number) => this.recordRequest(def, sock, path, st, tp, enrolled);
      let status: number;
      let body: string;
      if (def.fault === 'hang') return;
      if (path === PING_PATH) {
        [status, body] = def.pingStatus ? [def.pingStatus, 'Lab fault'] : def.legacy ? [503, 'Service Unavailable'] : [200, 'Ok'];
      } else if (path === AUTH_CHECK_PATH) {
        [status, body] = enrolled ? [200, 'Ok'] : [401, hasCert ? 'Unknown sensor certificate' : 'Sensor certificate required'];
      } else if (path === UPLOAD_PATH && req.method === 'POST') {
        this.answerUpload(req, res, enrolled, hasCert, (s) => record(s));
        return;
      } else {
        [status, body] = [404, 'Not Found'];
      }
      record(status);
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), [LAB_CLOUD_MARKER_HEADER]: '1' });
      res.end(body);
    });
    const port = await env.listen(server, 443, `cloud endpoint ${def.host}`);
    this.servers.push(server);
    this.endpoints.push({ host: def.host, address: env.address, port });
  }

  private recordRequest(def: CloudHostDefinition, sock: tls.TLSSocket, path: string, status: number, tp: string | null, enrolled: boolean): void {
    const sni = (sock as tls.TLSSocket & { servername?: string | false }).servername;
    this.records.push({
      host: def.host,
      sni: typeof sni === 'string' ? sni : null,
      path,
      status,
      clientCertThumbprint: tp,
      enrolled,
      fromHop: this.whoIs(sock.remoteAddress ?? '?'),
      tlsVersion: sock.getProtocol(),
      seq: nextSeq++,
    });
  }

  /** Reads (and counts) an upload's body within the cap; answers once it has all of it. */
  private answerUpload(req: http.IncomingMessage, res: http.ServerResponse, enrolled: boolean, hasCert: boolean, record: (status: number) => void): void {
    let bytes = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > UPLOAD_MAX_BYTES && !refused) {
        refused = true;
        record(413);
        res.writeHead(413, { 'content-type': 'text/plain', connection: 'close', [LAB_CLOUD_MARKER_HEADER]: '1' }).end(`upload over ${UPLOAD_MAX_BYTES} bytes`);
        req.destroy();
      }
    });
    req.on('end', () => {
      if (refused) return;
      const [status, body] = enrolled ? [200, String(bytes)] : [401, hasCert ? 'Unknown sensor certificate' : 'Sensor certificate required'];
      record(status);
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), [LAB_CLOUD_MARKER_HEADER]: '1' });
      res.end(body);
    });
  }

  async stop(): Promise<void> {
    await this.tracker.closeAll(this.servers);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
