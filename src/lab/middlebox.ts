/**
 * An SSL-inspecting middlebox: an explicit HTTP CONNECT proxy on its own lab address that
 * may decrypt what goes through it, like Squid `ssl_bump` or mitmproxy.
 *
 *   sensor / forward proxy / transparent proxy ──CONNECT host:443──▶ middlebox <lab address>:8080
 *     ├─ lab DNS + TCP to host:443 (from the middlebox's address); failure → 502/504 + body
 *     ├─ 200 Connection Established
 *     ├─ none               ───────────── byte pipe ─────────────────────────────▶ host:443
 *     └─ peek ClientHello SNI (bytes put back, nothing consumed)
 *          ├─ splice: SNI matches spliceHosts ── byte pipe (sensor's own TLS) ───▶ host:443
 *          └─ intercept / intercept-mutual / splice of any other host:
 *               sensor ◀─TLS, leaf forged for the SNI by the middlebox CA─▶ middlebox
 *               middlebox ─TLS, verifies the lab cloud root, SNI as sent ─────▶ host:443
 *                          no client certificate            (intercept: cloud answers 401)
 *                          the sensor's enrolled identity   (intercept-mutual, like mitmproxy
 *                                                            `client_certs`, Squid `cert=`)
 *               decrypted bytes piped both ways; an upstream handshake failure becomes the
 *               optional block page (an HTTP error on the sensor's TLS connection), else a close.
 *               blockPage.when: always: no TLS to the cloud at all; every decrypted request
 *               gets the page (a policy block after the bump).
 *
 * Vendor settings (FortiGate `clientCertificate`, Palo Alto `exclusionCache`, Zscaler's bypass
 * list as `spliceHosts`) are decided by inspection-policy.ts, which says how each was modelled:
 *     ClientHello ──▶ decideOnClientHello ── probe ──▶ a TLS connection of its own to host:443
 *                     (FortiGate)                       (did the server send a CertificateRequest?)
 *                                          ──▶ decideAfterProbe: splice │ intercept │ block (reset)
 *     intercepted, server asked for a client certificate ──▶ exclusion cache: fail once, splice later
 * A middlebox learns that the server sent a CertificateRequest from OpenSSL itself: a TLS
 * client's shared signature algorithms are computed from the CertificateRequest's
 * signature_algorithms (tls_process_cert_request → tls1_process_sigalgs), so node's
 * getSharedSigalgs() is non-empty exactly when the server asked, under TLS 1.2 and 1.3 alike.
 *
 * The forged leaves are signed by the lab's middlebox CA, or by a customer's own CA
 * (`inspectionCa`, read by the scenario loader; any RSA or ECDSA CA, its SKI copied into the
 * leaves' AKI by sign-certificate.ts).
 *
 * `behaves: squid` answers as a bumping Squid 5.7 (squid-answers.ts): a failed CONNECT is
 * Squid's 500/503 page, and a failed upstream handshake is Squid's 503
 * ERR_SECURE_CONNECT_FAIL on the sensor's TLS connection (unless a block page is configured);
 * a TLS 1.3 `certificate_required` from the cloud, which comes after the handshake, leaves the
 * sensor's request unanswered (a stall), as Squid does.
 *
 * `behaves: mitmproxy` answers as mitmproxy 8.1.1 (mitmproxy-answers.ts): a failed upstream
 * handshake is its 502 page inside the tunnel ("Certificate verify failed: …" when
 * `trustsCloudCa: false`), a failed CONNECT its 502 "Cannot connect to …", and the TLS 1.3
 * `certificate_required` the same stall.
 *
 * The transparent proxy hands diverted connections over a CONNECT of its own, like a Squid
 * in intercept mode with a `cache_peer`: components talk over sockets only.
 *
 * Why hand-built on node:net/node:tls rather than mockttp: the splice-or-intercept decision
 * needs the SNI before any TLS is terminated; every connection must leave a record (who, what
 * SNI, what was done, what the cloud side said, whether a client certificate went upstream);
 * the TLS version bounds differ per side (the legacy-TLS scenario offers only TLS 1.0/1.1 to
 * the sensor while talking TLS 1.2+ to the cloud); and mockttp rebuilds a ~146-certificate
 * trust list for every upstream connection when given an extra CA (FACTS §6: 36 ms of CPU per
 * intercepted request against ~5 ms here), where this builds one upstream secure context and
 * one per forged host, once.
 *
 * Whether the Windows host trusts the middlebox CA is a property of the host (`hostTrustsCa`
 * is read by the scenario runner), not of the middlebox: the middlebox always presents its
 * forged leaf. The middlebox never logs; everything it did is in `records`.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { NetError } from '../transport.js';
import type { ComponentEnvironment } from './component-environment.js';
import type { MiddleboxDefinition, TlsVersionBounds } from './kinds/middlebox-kind.js';
import { SocketTracker } from './socket-tracker.js';
import { relay } from './byte-relay.js';
import { httpResponse, parseAuthority, readProxyRequestHead } from './proxy-request-head.js';
import { readClientHello, type PeekResult } from './peek-client-hello.js';
import { RecordLog } from './record-log.js';
import { mitmproxyConnectFailure, mitmproxyErrorPage, mitmproxyUpstreamTlsText } from './mitmproxy-answers.js';
import { squidAnswer, squidConnectSituation } from './squid-answers.js';
import { decideAfterProbe, decideOnClientHello, ExclusionCache, exclusionKey, onUpstreamClientCertRequest } from './inspection-policy.js';

export type { MiddleboxDefinition, MiddleboxMode, TlsVersionBounds } from './kinds/middlebox-kind.js';

export { DEFAULT_SPLICE_HOSTS } from './inspection-policy.js';

export type MiddleboxAction = 'tunnel' | 'spliced' | 'intercepted' | 'blocked';

export interface MiddleboxRecord {
  /** Lab component that opened the connection (windows-host, a forward proxy…). */
  from: string;
  /** `host:port` from CONNECT, or the SNI for a connection the transparent proxy handed over. */
  target: string;
  sni: string | null;
  /** How the connection reached the middlebox. */
  entry: 'connect' | 'transparent';
  action: MiddleboxAction;
  /** `ok`, `pending`, `blocked` (a block page after the bump: nothing dialled), or an error code from the cloud side (ENOTFOUND, ECONNREFUSED, a TLS code…). */
  upstreamResult: string;
  /** `ok`, `pending`, or the sensor-side handshake error (intercepted connections only). */
  sensorResult: string;
  clientCertPresentedUpstream: boolean;
  /** The sensor-side TLS was terminated here (the middlebox saw plaintext). */
  decrypted: boolean;
  /** TLS versions actually negotiated on each side, when intercepted. */
  sensorTlsVersion: string | null;
  cloudTlsVersion: string | null;
  /** Whether the block page was served. */
  blockPageServed: boolean;
  /** Whether the server sent a CertificateRequest (seen by a probe or the intercepted handshake); null: not learnt. */
  clientCertRequested: boolean | null;
  /** Why the vendor policy decided as it did (inspection-policy.ts), when it had a say. */
  policy?: string;
}

/** What a caller that already holds a connection (CONNECT front end, transparent proxy) knows. */
export interface HandOff {
  from: string;
  host: string;
  port: number;
  entry: MiddleboxRecord['entry'];
  /** Result of the ClientHello peek (the bytes are still unread on `client`). */
  peek: PeekResult;
  /** TCP connection to the target, when the caller opened it already. */
  upstream?: net.Socket;
}

const HEAD_TIMEOUT_MS = 10_000;
const PEEK_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 5_000;
const HANDSHAKE_TIMEOUT_MS = 10_000;
const PROBE_TIMEOUT_MS = 5_000;

function errorCode(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err?.code ?? (err?.message || 'error');
}

function lowTls(b: TlsVersionBounds | undefined): boolean {
  return b?.minTlsVersion === 'TLSv1' || b?.minTlsVersion === 'TLSv1.1';
}

export class StartedMiddlebox implements AsyncDisposable {
  readonly records: MiddleboxRecord[] = new RecordLog();
  private readonly tracker = new SocketTracker();
  private readonly forgedContexts = new Map<string, tls.SecureContext>();
  private readonly upstreamContext: tls.SecureContext;
  /** The probe of FortiGate's client-certificate option: no client certificate, like the device's own. */
  private readonly probeContext: tls.SecureContext;
  private readonly exclusions = new ExclusionCache();

  private constructor(
    readonly def: MiddleboxDefinition,
    private readonly env: ComponentEnvironment,
    readonly port: number,
    private readonly server: net.Server,
  ) {
    const mutual = def.mode === 'intercept-mutual';
    // One upstream context for the middlebox's life: the lab cloud root as the only trust
    // anchor (the middlebox is lab code and knows the lab), and the sensor's identity in
    // intercept-mutual mode. trustsCloudCa: false puts only its own CA there, a trust set
    // without the cloud's root (never an empty list, which some TLS stacks read as "defaults").
    this.upstreamContext = tls.createSecureContext({
      ca: [def.trustsCloudCa === false ? env.pki.middleboxCa.certPem : env.pki.trustedRoot.certPem],
      ...(mutual ? { cert: env.pki.clientCert.chainPem, key: env.pki.clientCert.keyPem } : {}),
      minVersion: def.cloudTls?.minTlsVersion ?? 'TLSv1.2',
      maxVersion: def.cloudTls?.maxTlsVersion ?? 'TLSv1.3',
      ...(lowTls(def.cloudTls) ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}),
    });
    this.probeContext = tls.createSecureContext({
      ca: [env.pki.trustedRoot.certPem],
      minVersion: def.cloudTls?.minTlsVersion ?? 'TLSv1.2',
      maxVersion: def.cloudTls?.maxTlsVersion ?? 'TLSv1.3',
      ...(lowTls(def.cloudTls) ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}),
    });
  }

  static async start(def: MiddleboxDefinition, env: ComponentEnvironment): Promise<StartedMiddlebox> {
    const port = def.port ?? 8080;
    const server = net.createServer();
    const mb = new StartedMiddlebox(def, env, port, server);
    server.on('connection', (s) => void mb.onConnect(s));
    await env.listen(server, port, `middlebox ${def.name}`);
    return mb;
  }

  get address(): string {
    return this.env.address;
  }

  get url(): string {
    return `http://${this.env.address}:${this.port}`;
  }

  private track<T extends net.Socket>(s: T): T {
    return this.tracker.track(s);
  }

  /** The CONNECT front end. */
  private async onConnect(client: net.Socket): Promise<void> {
    this.track(client);
    const from = this.env.whoIs(client.remoteAddress ?? '?');
    const read = await readProxyRequestHead(client, HEAD_TIMEOUT_MS);
    if (!read.ok) {
      if (read.status) client.end(httpResponse(read.status, read.reason === 'request header too large' ? 'Request header too large' : 'Bad request'));
      else client.destroy();
      return;
    }
    const head = read.head;
    if (head.method !== 'CONNECT') {
      client.end(httpResponse(405, `The middlebox ${this.def.name} only serves CONNECT`, { Allow: 'CONNECT' }));
      return;
    }
    const target = parseAuthority(head.target);
    if (!target) {
      client.end(httpResponse(400, `Bad CONNECT target ${head.target}`));
      return;
    }
    await this.connectTunnel(client, from, target.host, target.port, head.rest);
  }

  private async connectTunnel(client: net.Socket, from: string, host: string, port: number, rest: Buffer): Promise<void> {
    let upstream: net.Socket | undefined;
    try {
      // A middlebox that blocks after the bump answers 200 without dialling: handleTls dials
      // later, and only for a connection it splices (see blockAfterBump).
      if (!this.blocksAfterBump) upstream = await this.openUpstream(host, port);
    } catch (e) {
      const record = this.newRecord(from, `${host}:${port}`, 'connect');
      record.upstreamResult = errorCode(e);
      if (this.def.behaves === 'squid') {
        client.end(squidAnswer(squidConnectSituation(record.upstreamResult), { url: `${host}:${port}`, visibleHostname: this.def.name }).raw);
        return;
      }
      if (this.def.behaves === 'mitmproxy') {
        const address = net.isIP(host) ? host : this.env.resolve(host);
        client.end(mitmproxyConnectFailure(host, port, { code: record.upstreamResult, message: (e as Error).message, ...(address ? { address } : {}) }));
        return;
      }
      const status = record.upstreamResult === 'ETIMEDOUT' ? 504 : 502;
      client.end(httpResponse(status, `${this.def.name}: cannot reach ${host}:${port} (${(e as Error).message})`));
      return;
    }
    if (client.destroyed) {
      upstream?.destroy();
      return;
    }
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (this.def.mode === 'none') {
      // No peek: a plain tunnel must also carry protocols where the server speaks first.
      const record = this.newRecord(from, `${host}:${port}`, 'connect');
      record.upstreamResult = 'ok';
      if (rest.length) client.unshift(rest);
      relay(client, upstream!); // mode none never blocks after a bump, so it was dialled
      return;
    }
    const peek = await readClientHello(client, PEEK_TIMEOUT_MS, rest);
    await this.handleTls(client, { from, host, port, entry: 'connect', peek, ...(upstream ? { upstream } : {}) });
  }

  private newRecord(from: string, target: string, entry: MiddleboxRecord['entry']): MiddleboxRecord {
    const r: MiddleboxRecord = {
      from,
      target,
      sni: null,
      entry,
      action: 'tunnel',
      upstreamResult: 'pending',
      sensorResult: 'ok',
      clientCertPresentedUpstream: false,
      decrypted: false,
      sensorTlsVersion: null,
      cloudTlsVersion: null,
      blockPageServed: false,
      clientCertRequested: null,
    };
    this.records.push(r);
    return r;
  }

  /** Lab DNS + TCP from the middlebox's own address; never the real DNS. */
  private async openUpstream(host: string, port: number): Promise<net.Socket> {
    const address = net.isIP(host) ? host : this.env.resolve(host);
    if (!address) throw Object.assign(new Error(`${host} not found by the lab DNS`), { code: 'ENOTFOUND' });
    const s = await this.env.connect(address, port, { timeoutMs: CONNECT_TIMEOUT_MS }).catch((e: NetError) => {
      throw Object.assign(new Error(e.message), { code: e.code });
    });
    return this.track(s);
  }

  /**
   * Decide and serve a connection whose ClientHello was peeked: tunnel, splice, or intercept.
   * Used by the CONNECT front end and by the transparent proxy.
   */
  async handleTls(client: net.Socket, h: HandOff): Promise<MiddleboxRecord> {
    this.track(client);
    const sni = h.peek.status === 'ok' ? h.peek.hello.sni : null;
    const record = this.newRecord(h.from, h.entry === 'connect' ? `${h.host}:${h.port}` : `${sni ?? h.host}:${h.port}`, h.entry);
    record.sni = sni;
    if (h.peek.status === 'closed' || h.peek.status === 'timeout') {
      record.upstreamResult = h.upstream ? 'ok' : 'not-opened';
      record.sensorResult = h.peek.status;
      client.destroy();
      h.upstream?.destroy();
      return record;
    }
    const name = sni ?? h.host;
    const hello = decideOnClientHello(this.def, { isTls: h.peek.status === 'ok', name, excluded: this.exclusions.has(exclusionKey(name, h.port), Date.now()) });
    if (hello.action === 'intercept' && this.blocksAfterBump) {
      // A block after the bump dials nothing (blockAfterBump).
      this.intercept(client, undefined, name, h.port, record);
      return record;
    }
    let upstream = h.upstream;
    if (!upstream) {
      try {
        upstream = await this.openUpstream(h.host, h.port);
      } catch (e) {
        // A diverted connection has no CONNECT to answer: all the middlebox can do is close.
        record.upstreamResult = errorCode(e);
        client.destroy();
        return record;
      }
    }
    let action: 'tunnel' | 'splice' | 'intercept' | 'block' = hello.action === 'probe' ? 'intercept' : hello.action;
    if (hello.action !== 'intercept' && hello.action !== 'tunnel') record.policy = hello.why;
    if (hello.action === 'probe') {
      // The sensor's ClientHello waits unread while the middlebox asks the server itself.
      record.clientCertRequested = await this.probeClientCertRequest(h.host, h.port, name);
      const after = decideAfterProbe(this.def, { serverRequestedClientCert: record.clientCertRequested === true });
      action = after.action;
      record.policy = after.why;
    }
    if (client.destroyed) {
      upstream.destroy();
      return record;
    }
    if (action === 'block') {
      // FortiGate blocks the session. The CLI reference says only "block"; the lab ends the
      // sensor's handshake with a TCP reset (no alert, no certificate), as a firewall drop does.
      record.action = 'blocked';
      record.upstreamResult = 'not-used';
      upstream.destroy();
      client.resetAndDestroy();
      return record;
    }
    if (action === 'tunnel' || action === 'splice') {
      // Not TLS (nothing to inspect), mode none, or a spliced host: the bytes go through untouched.
      record.action = action === 'splice' ? 'spliced' : 'tunnel';
      record.upstreamResult = 'ok';
      relay(client, upstream);
      return record;
    }
    this.intercept(client, upstream, name, h.port, record);
    return record;
  }

  /**
   * FortiGate's probe: a TLS connection of the middlebox's own to the server, without a client
   * certificate, that only reads whether the server's flight held a CertificateRequest; null
   * when the server could not be reached.
   */
  private async probeClientCertRequest(host: string, port: number, name: string): Promise<boolean | null> {
    let tcp: net.Socket;
    try {
      tcp = await this.openUpstream(host, port);
    } catch {
      return null;
    }
    return new Promise((resolve) => {
      const probe = this.track(tls.connect({ socket: tcp, secureContext: this.probeContext, servername: net.isIP(name) ? undefined : name, host: name, ALPNProtocols: ['http/1.1'] }));
      let settled = false;
      const done = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // Read before destroying: the shared algorithms live in the OpenSSL session (null once freed).
        const asked = sharedSigalgCount(probe) > 0;
        probe.destroy();
        resolve(asked);
      };
      const timer = setTimeout(done, PROBE_TIMEOUT_MS).unref();
      // A TLS 1.2 server that requires the certificate fails the probe's handshake; a TLS 1.3
      // one completes it and sends certificate_required later: both asked.
      probe.once('secureConnect', done);
      probe.once('error', done);
      probe.once('close', done);
    });
  }

  /**
   * The server asked the intercepting middlebox for a client certificate: with the exclusion
   * cache, this session fails and the server is spliced from now on. True when it must fail.
   */
  private onClientCertRequest(cloud: tls.TLSSocket, name: string, port: number, record: MiddleboxRecord): boolean {
    record.clientCertRequested = sharedSigalgCount(cloud) > 0;
    if (!record.clientCertRequested) return false;
    const d = onUpstreamClientCertRequest(this.def);
    if (d.action !== 'fail-and-exclude') return false;
    record.policy = d.why;
    this.exclusions.add(exclusionKey(name, port), Date.now());
    return true;
  }

  private forgedContext(name: string): tls.SecureContext {
    let ctx = this.forgedContexts.get(name);
    if (!ctx) {
      const ca = this.def.inspectionCaPem;
      const leaf = ca ? this.env.pki.leaf(name, { issuerCa: ca }) : this.env.pki.leaf(name, { issuer: 'middlebox' });
      ctx = tls.createSecureContext({
        key: leaf.keyPem,
        cert: leaf.chainPem,
        minVersion: this.def.sensorTls?.minTlsVersion ?? 'TLSv1.2',
        maxVersion: this.def.sensorTls?.maxTlsVersion ?? 'TLSv1.3',
        // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level 1.
        ...(lowTls(this.def.sensorTls) ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}),
      });
      this.forgedContexts.set(name, ctx);
    }
    return ctx;
  }

  /** blockPage.when: always on an inspecting mode: every bumped connection gets the page. */
  private get blocksAfterBump(): boolean {
    return this.def.blockPage?.when === 'always' && this.def.mode !== 'none';
  }

  /** `upstreamTcp` is undefined only for a block after the bump (nothing is dialled). */
  private intercept(client: net.Socket, upstreamTcp: net.Socket | undefined, name: string, port: number, record: MiddleboxRecord): void {
    record.action = 'intercepted';
    record.sensorResult = 'pending';
    const mutual = this.def.mode === 'intercept-mutual';
    record.clientCertPresentedUpstream = mutual;
    // Terminate the sensor's TLS with a leaf forged for the name it asked for. node's TLS
    // socket reads the bytes the peek put back before anything new from the wire.
    const sensor = this.track(new tls.TLSSocket(client, { isServer: true, secureContext: this.forgedContext(name) }) as tls.TLSSocket);
    if (!upstreamTcp || this.blocksAfterBump) return this.blockAfterBump(sensor, upstreamTcp, record);
    const cloud = this.track(
      tls.connect({
        socket: upstreamTcp,
        secureContext: this.upstreamContext,
        servername: net.isIP(name) ? undefined : name,
        host: name,
        ALPNProtocols: ['http/1.1'],
      }),
    );
    let sensorReady = false;
    let cloudReady = false;
    let cloudFailed = false;
    let cloudBytes = 0;
    let cloudError: Error | undefined;
    const timer = setTimeout(() => {
      if (!sensorReady) record.sensorResult = 'timeout';
      if (!cloudReady && !cloudFailed) record.upstreamResult = 'timeout';
      sensor.destroy();
      cloud.destroy();
    }, HANDSHAKE_TIMEOUT_MS).unref();
    sensor.once('close', () => clearTimeout(timer));
    const maybeRelay = () => {
      if (!sensorReady || !cloudReady) return;
      clearTimeout(timer);
      cloud.on('data', (d: Buffer) => (cloudBytes += d.length));
      relay(sensor, cloud, {
        // TLS 1.3: a cloud that rejects the (missing) client certificate says so only after
        // the client's handshake completed, on the first read. Count it as the upstream result.
        onError: (side, e) => {
          if (side !== cloud || cloudBytes > 0) return false;
          record.upstreamResult = errorCode(e);
          if (!this.def.blockPage && (this.def.behaves === 'squid' || this.def.behaves === 'mitmproxy') && /CERTIFICATE_REQUIRED/i.test(record.upstreamResult)) {
            // Squid 5.7 (and mitmproxy 8.1.1) stall here without answering (FACTS §7): the
            // sensor's request is read and dropped until the sensor gives up.
            sensor.resume();
            return 'hold';
          }
          return this.serveBlockPage(sensor, record, false, e);
        },
      });
    };
    sensor.once('secure', () => {
      sensorReady = true;
      record.decrypted = true;
      record.sensorResult = 'ok';
      record.sensorTlsVersion = sensor.getProtocol();
      if (cloudFailed) {
        clearTimeout(timer);
        if (!this.serveBlockPage(sensor, record, true, cloudError)) sensor.destroy();
        return;
      }
      maybeRelay();
    });
    const sensorGone = (result: string) => {
      if (sensorReady || record.sensorResult !== 'pending') return;
      // The sensor hung up during its handshake (e.g. it did not trust the forged chain, or no
      // common TLS version): the cloud side is abandoned.
      record.sensorResult = result;
      if (record.upstreamResult === 'pending') record.upstreamResult = 'abandoned';
      clearTimeout(timer);
      cloud.destroy();
    };
    sensor.once('error', (e) => sensorGone(errorCode(e)));
    sensor.once('close', () => sensorGone('closed'));
    const failUpstream = (result: string, e?: Error) => {
      cloudFailed = true;
      cloudError = e;
      record.upstreamResult = result;
      // The sensor's handshake is completed either way (its side then shows the forged chain,
      // as in the field), then it gets the block page or a close.
      if (sensorReady) {
        clearTimeout(timer);
        if (!this.serveBlockPage(sensor, record, true, e)) sensor.destroy();
      }
    };
    cloud.once('secureConnect', () => {
      if (this.onClientCertRequest(cloud, name, port, record)) {
        // Decryption failed for this session (Palo Alto): it ends like a failed upstream.
        cloud.destroy();
        failUpstream('client-auth-excluded');
        return;
      }
      cloudReady = true;
      record.upstreamResult = 'ok';
      record.cloudTlsVersion = cloud.getProtocol();
      maybeRelay();
    });
    cloud.once('error', (e) => {
      if (cloudReady || cloudFailed) return;
      failUpstream(this.onClientCertRequest(cloud, name, port, record) ? 'client-auth-excluded' : errorCode(e), e);
    });
  }

  /**
   * A policy block after the bump (blockPage.when: always): the sensor's TLS is terminated and
   * its request answered with the page, as Squid's `http_access deny` after `ssl_bump bump`
   * does. Squid's log shows it did connect to the server first (%<a), but it forwards no
   * request; the built-in dials nothing, so the cloud records neither a request nor a
   * handshake from an unknown source.
   */
  private blockAfterBump(sensor: tls.TLSSocket, upstreamTcp: net.Socket | undefined, record: MiddleboxRecord): void {
    upstreamTcp?.destroy();
    record.upstreamResult = 'blocked';
    sensor.once('secure', () => {
      Object.assign(record, { decrypted: true, sensorResult: 'ok', sensorTlsVersion: sensor.getProtocol() });
      this.serveBlockPage(sensor, record, true);
    });
    sensor.once('error', (e) => {
      if (record.sensorResult === 'pending') record.sensorResult = errorCode(e);
    });
  }

  /**
   * Answer the sensor's request with the block page, like a real inspecting proxy does when
   * it cannot reach the server. Returns false when no block page is configured.
   */
  private serveBlockPage(sensor: tls.TLSSocket, record: MiddleboxRecord, waitForRequest: boolean, cloudError?: Error): boolean {
    const page = this.def.blockPage;
    const ownAnswer = !page && (this.def.behaves === 'squid' || this.def.behaves === 'mitmproxy');
    if ((!page && !ownAnswer) || sensor.destroyed) return false;
    const send = (request?: Buffer) => {
      record.blockPageServed = true;
      const url = bumpedUrl(request, sensor.servername || record.target);
      if (page && this.def.behaves === 'squid') sensor.end(squidAnswer('denied', { url, visibleHostname: this.def.name, page }).raw);
      else if (page) sensor.end(httpResponse(page.status, page.body));
      else if (this.def.behaves === 'mitmproxy') sensor.end(mitmproxyErrorPage(502, mitmproxyUpstreamTlsText(cloudError ?? { message: record.upstreamResult })));
      else sensor.end(squidAnswer('upstream-tls-failed', { url, visibleHostname: this.def.name }).raw);
      setTimeout(() => sensor.destroy(), 2_000).unref();
    };
    if (!waitForRequest) {
      send();
      return true;
    }
    // HTTP is client-first: answer the request, not an idle connection.
    sensor.once('data', send);
    sensor.resume();
    return true;
  }

  stop(): Promise<void> {
    return this.tracker.closeAll([this.server]);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * How many signature algorithms client and server share. On a TLS client OpenSSL computes them
 * from the server's CertificateRequest only, so more than zero means the server asked for a
 * client certificate. node returns null once the socket's OpenSSL session is freed.
 */
function sharedSigalgCount(s: tls.TLSSocket): number {
  return (s.getSharedSigalgs() as string[] | null)?.length ?? 0;
}

/** The URL Squid names on its page for a bumped request: https://host/path from the request line. */
function bumpedUrl(request: Buffer | undefined, host: string | false): string {
  const name = String(host || '').replace(/:443$/, '');
  const path = request ? /^[A-Z]+ (\/\S*) HTTP/.exec(request.subarray(0, 2048).toString('latin1'))?.[1] : undefined;
  return `https://${name}${path ?? '/'}`;
}
