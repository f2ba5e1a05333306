/**
 * A forward (explicit) proxy on proxy-chain: HTTP CONNECT (and plain HTTP forwarding, for
 * revocation lists) with an allowlist of hosts and ports, authentication
 * modes including the field misbehaviours, and chaining to an upstream proxy or middlebox.
 *
 *   windows-host ──CONNECT host:443──▶ forward proxy 127.77.B.n:8080
 *        ├─ auth?      none | basic → 407 | "401" → 401 | "403-with-challenge" → 403 + Proxy-Authenticate
 *        ├─ allowlist  host pattern + port, else 403
 *        ├─ pre-flight lab DNS + TCP to the target (or upstream): failure → 502 with a status line
 *        └─ tunnel ──▶ target:443 (lab DNS), or ──CONNECT──▶ upstream proxy / middlebox
 *
 * Why the pre-flight: proxy-chain in direct mode destroys the client socket without a status
 * line when the target is unreachable, which sends undici 7 into a reconnect loop (FACTS §6).
 * A real proxy answers 502/503/504; `onTargetFailure: close` keeps the raw behaviour for the
 * scenario that wants PROXY_CLOSED.
 */
import dns from 'node:dns';
import { Server as ProxyChainServer, RequestError } from 'proxy-chain';
import { tcpConnect } from '../transport.js';
import { listenOn } from './address-block.js';
import { matchesPattern } from './egress-firewall.js';
import { RecordLog } from './record-log.js';

export type ProxyAuthMode = 'none' | 'basic' | '401' | '403-with-challenge';

export interface ForwardProxyDefinition {
  name: string;
  port?: number;
  /** Destination host patterns (exact or `*.suffix`); default: everything. */
  allow?: string[];
  /** Destination ports allowed for CONNECT; default only 443. */
  ports?: number[];
  auth?: ProxyAuthMode;
  credentials?: { username: string; password: string };
  /** Name of another lab proxy or middlebox to chain to. */
  upstream?: string;
  onTargetFailure?: 'status' | 'close';
  /** `hang`: accept the connection and the CONNECT, never answer (an overloaded proxy). */
  fault?: 'hang';
}

export interface ProxyDecisionRecord {
  from: string;
  target: string;
  port: number;
  decision: 'tunnel' | 'forwarded' | 'chained' | 'denied' | 'auth-required' | 'auth-misreported' | 'upstream-failed' | 'closed';
  status: number | null;
  detail: string;
}

export interface ForwardProxyEnvironment {
  address: string;
  lookup: (host: string) => string | undefined;
  whoIs: (address: string) => string;
  /** URL (`http://addr:port`) of the upstream component, resolved by the topology. */
  upstreamUrl?: string;
}

export class StartedForwardProxy implements AsyncDisposable {
  private constructor(
    readonly records: ProxyDecisionRecord[],
    readonly def: ForwardProxyDefinition,
    readonly address: string,
    readonly port: number,
    private readonly server: ProxyChainServer,
  ) {}

  static async start(def: ForwardProxyDefinition, env: ForwardProxyEnvironment): Promise<StartedForwardProxy> {
    const port = def.port ?? 8080;
    const allow = def.allow ?? ['*'];
    const ports = def.ports ?? [443];
    const auth = def.auth ?? 'none';
    const realm = `atp-netlab ${def.name}`;
    const records = new RecordLog<ProxyDecisionRecord>();
    // proxy-chain resolves targets itself; hand it the lab's DNS so no real lookup ever happens.
    const labLookup = ((hostname: string, options: unknown, callback?: unknown) => {
      const cb = (typeof options === 'function' ? options : callback) as (err: NodeJS.ErrnoException | null, address?: string | dns.LookupAddress[], family?: number) => void;
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
      const a = env.lookup(hostname);
      if (!a) {
        const err = Object.assign(new Error(`lab DNS: ${hostname} not found`), { code: 'ENOTFOUND' });
        cb(err);
      } else if (all) cb(null, [{ address: a, family: 4 }]);
      else cb(null, a, 4);
    }) as unknown as typeof dns.lookup;

    const server = new ProxyChainServer({
      port,
      host: env.address,
      authRealm: realm,
      prepareRequestFunction: async ({ request, username, password, hostname, port: targetPort, isHttp }) => {
        const from = env.whoIs(request.socket.remoteAddress ?? '?');
        if (def.fault === 'hang') {
          // Hold the request until the client gives up; then there is nobody left to answer.
          await new Promise((resolve) => request.socket.once('close', resolve));
          records.push({ from, target: hostname, port: targetPort, decision: 'closed', status: null, detail: 'never answered (fault: hang)' });
          throw new RequestError('client gone', 504);
        }
        const record = (decision: ProxyDecisionRecord['decision'], status: number | null, detail: string) =>
          records.push({ from, target: hostname, port: targetPort, decision, status, detail });
        const credsOk = !!def.credentials && username === def.credentials.username && password === def.credentials.password;
        if (auth !== 'none' && !credsOk) {
          if (auth === 'basic') {
            record('auth-required', 407, 'no or wrong credentials');
            return { requestAuthentication: true };
          }
          const status = auth === '401' ? 401 : 403;
          const header: Record<string, string> = auth === '401' ? { 'WWW-Authenticate': `Basic realm="${realm}"` } : { 'Proxy-Authenticate': `Basic realm="${realm}"` };
          record('auth-misreported', status, `answered ${status} with a challenge instead of 407`);
          throw new RequestError('Authentication required', status, header);
        }
        if (!ports.includes(targetPort) || !allow.some((p) => matchesPattern(p, hostname))) {
          record('denied', 403, `${hostname}:${targetPort} is not on the allowlist`);
          throw new RequestError(`Access to ${hostname}:${targetPort} denied by policy`, 403);
        }
        if (env.upstreamUrl) {
          record('chained', null, `via ${env.upstreamUrl}`);
          return { upstreamProxyUrl: env.upstreamUrl, localAddress: env.address };
        }
        if (def.onTargetFailure !== 'close') {
          const address = env.lookup(hostname);
          if (!address) {
            record('upstream-failed', 502, `DNS lookup of ${hostname} failed`);
            throw new RequestError(`DNS lookup of ${hostname} failed`, 502);
          }
          try {
            const probe = await tcpConnect(address, targetPort, { timeoutMs: 2_000 }, env.address);
            probe.destroy();
          } catch (e) {
            const code = (e as { code?: string }).code === 'ETIMEDOUT' ? 504 : 502;
            record('upstream-failed', code, `cannot connect to ${hostname}:${targetPort}: ${(e as Error).message}`);
            throw new RequestError(`Cannot connect to ${hostname}:${targetPort}`, code);
          }
        }
        // Plain HTTP (e.g. certificate revocation lists on port 80) is forwarded, not tunnelled.
        record(isHttp ? 'forwarded' : 'tunnel', 200, isHttp ? 'request forwarded' : 'tunnel established');
        return { dnsLookup: labLookup, localAddress: env.address };
      },
    });
    // proxy-chain's listen() binds all interfaces unless host is set; bind through our helper
    // for a clear error, then hand the bound server to proxy-chain.
    await listenOn(server.server, env.address, port, `forward proxy ${def.name}`);
    server.port = port;
    return new StartedForwardProxy(records, def, env.address, port, server);
  }

  get url(): string {
    return `http://${this.address}:${this.port}`;
  }

  async stop(): Promise<void> {
    await this.server.close(true);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
