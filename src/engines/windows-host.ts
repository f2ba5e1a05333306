/**
 * The simulated Windows host of a plan, run in this process: its registry hives, its trust
 * store and sensor identity, and for each check the REAL WinINET route resolution, the real
 * probe and the real revocation check, over whatever transport the engine gives it. This is
 * the same code `atp-netlab probe` runs on a customer's host; only the transport differs.
 *
 *   check ─▶ identity's hive ─▶ resolveRoute (static / PAC / WPAD) ─▶ checkUrl ─▶ outcome
 *                                                                    └▶ revocation policy
 */
import { X509Certificate } from 'node:crypto';
import { TRUST_ROOTS } from '../catalog/trust-roots.js';
import { checkDotNetTlsValues } from '../probe/host/dotnet-tls.js';
import { hostCheckApplies, type HostCheckResult } from '../probe/host/host-prerequisite-codes.js';
import { checkRequiredRoots } from '../probe/host/required-roots.js';
import { checkUpdaterPort, UPDATER_PORT } from '../probe/host/updater-port.js';
import { SimulatedUpdater } from './simulated-updater.js';
import { canAnswerProxyChallenge, type Identity } from '../identity.js';
import type { HostPlan, PlanCheck } from '../lab/lab-plan.js';
import type { LabPki } from '../pki/index.js';
import { checkUrl, type ProbeOptions } from '../probe/check-url.js';
import { matrixRoute } from '../probe/matrix-methods.js';
import type { RevocationCheck } from '../probe/check-revocation.js';
import type { ProbeOutcome } from '../probe/outcome.js';
import { applyRevocationPolicy, checkRevocationHosts } from '../probe/revocation-policy.js';
import { MemoryRegistryStore } from '../registry/memory-registry-store.js';
import type { NetTransport } from '../transport.js';
import { PacRuntime, readWinHttpRouteState, readWinInetState, resolveRoute, resolveWinHttpRoute, type WinHttpRouteState, type WinInetState } from '../wininet/index.js';
import type { RouteResult } from '../route.js';
import { SENSOR_GENERATIONS } from '../catalog/index.js';
import type { SensorSide } from './engine.js';
import { hostTrustPems } from './host-trust.js';

/** Paths and markers of the lab cloud the host's probe needs (the lab's, not the probe's, knowledge). */
export interface LabCloudFacts {
  pingPath: string;
  authCheckPath: string;
  markerHeader: string;
}

export class SimulatedWindowsHost implements Disposable {
  private readonly states = new Map<Identity, Promise<WinInetState>>();
  private readonly revocation = new Map<Identity, Promise<RevocationCheck[]>>();
  private readonly pac: PacRuntime;
  private winHttp?: Promise<WinHttpRouteState>;

  private constructor(
    private readonly host: HostPlan,
    private readonly store: MemoryRegistryStore,
    private readonly pki: LabPki,
    private readonly transport: NetTransport,
    private readonly cloud: LabCloudFacts,
  ) {
    // One PAC session per lab, as WinINET keeps one per process: one download, one answer.
    this.pac = new PacRuntime({ transport, fetchTimeoutMs: 2_000 });
  }

  static async create(host: HostPlan, pki: LabPki, transport: NetTransport, cloud: LabCloudFacts): Promise<SimulatedWindowsHost> {
    const store = new MemoryRegistryStore();
    for (const text of Object.values(host.hives)) await store.importReg(text);
    const h = new SimulatedWindowsHost(host, store, pki, transport, cloud);
    if (host.prerequisites) h.updater = await SimulatedUpdater.start(host.prerequisites.updater === 'running');
    return h;
  }

  private updater?: SimulatedUpdater;
  private hostChecks?: Promise<HostCheckResult[]>;

  /**
   * The host prerequisites, checked once with the real checks of probe/host: the updater port
   * with a real dial (through the modelled host firewall), the .NET values from the host's
   * registry, the machine roots by fingerprint. Which identity each one breaks: the sensor
   * service talks to the updater; the sensor and updater are .NET; every identity uses the roots.
   */
  private async hostChecksFor(identity: Identity): Promise<HostCheckResult[]> {
    const p = this.host.prerequisites;
    if (!p) return [];
    this.hostChecks ??= (async () => {
      const out: HostCheckResult[] = [];
      out.push(checkUpdaterPort(p.updaterPortFirewall === 'drop' ? { outcome: 'timeout', port: UPDATER_PORT, timeoutMs: this.host.timeouts.tcpMs } : await this.updater!.dial(this.host.timeouts.tcpMs)));
      if (p.dotnetTls) out.push(await checkDotNetTlsValues(this.store));
      if (p.machineRoots) {
        const store = TRUST_ROOTS.filter((r) => r.pem && p.machineRoots!.includes(r.name)).map((r) => new X509Certificate(r.pem!));
        out.push(checkRequiredRoots(store, p.cloud, Date.now()));
      }
      return out;
    })();
    return (await this.hostChecks).filter((c) => hostCheckApplies(c.check, identity));
  }

  private stateFor(identity: Identity): Promise<WinInetState> {
    let p = this.states.get(identity);
    if (!p) {
      p = readWinInetState(this.store, identity);
      this.states.set(identity, p);
    }
    return p;
  }

  private credentialsFor(identity: Identity) {
    const c = this.host.identities[identity]?.proxyCredentials;
    return c && canAnswerProxyChallenge(identity) ? { proxyCredentials: c } : {};
  }

  /** Revocation hosts are checked once per identity (the route depends on the identity). */
  private revocationFor(identity: Identity, state: WinInetState): Promise<RevocationCheck[]> {
    let p = this.revocation.get(identity);
    if (!p) {
      p = checkRevocationHosts((u) => resolveRoute(state, u, { transport: this.transport, pac: this.pac }), {
        identity,
        transport: this.transport,
        tcpTimeoutMs: this.host.timeouts.tcpMs,
        timeoutMs: this.host.timeouts.httpMs,
        ...this.credentialsFor(identity),
      });
      this.revocation.set(identity, p);
    }
    return p;
  }

  /**
   * The route the sensor generation takes as this identity (catalog/sensor-generations.ts):
   * v2's own proxy for the sensor service (LocalService), v3's WinHTTP for LocalSystem, and
   * the identity's WinINET otherwise (the updater under v2, the administrator's browser).
   */
  private async routeFor(identity: Identity, url: string, transport: NetTransport): Promise<{ route: RouteResult; sensorCredentials?: { username: string; password: string } }> {
    const sensor = this.host.sensor ?? 'v2-wininet';
    const own = this.host.sensorProxy;
    if (sensor === 'v2' && identity === 'LocalService' && own?.proxy) {
      const notes = [...own.notes, `the sensor's own proxy (SensorConfiguration.json ${own.proxyUrl}) takes precedence over WinINET${own.credentials ? '; the sensor holds proxy credentials and answers a 407 with them' : ''}`];
      return { route: { failed: false, candidates: [{ kind: 'PROXY', ...own.proxy }], source: 'sensor-config', notes }, ...(own.credentials ? { sensorCredentials: own.credentials } : {}) };
    }
    if (sensor === 'v3' && identity === 'LocalSystem') {
      this.winHttp ??= readWinHttpRouteState(this.store);
      return { route: await resolveWinHttpRoute(await this.winHttp, url, { transport, pac: this.pac }) };
    }
    const route = await resolveRoute(await this.stateFor(identity), url, { transport, pac: this.pac });
    if (sensor === 'v2' && identity === 'LocalService' && own && !route.failed) route.notes.unshift(...own.notes);
    return { route };
  }

  /** One check over `transport` (the engine may hand a per-check transport that records what the network did). */
  async runCheck(check: PlanCheck, transport: NetTransport = this.transport, externalReports?: ProbeOptions['externalReports']): Promise<ProbeOutcome> {
    const state = await this.stateFor(check.identity);
    // A matrix check takes the method's route (the same function the real probe --matrix uses).
    const { route, sensorCredentials } = check.method
      ? { route: await matrixRoute(check.method, check.identity, { state, ...(this.host.matrix?.namedProxy ? { namedProxy: this.host.matrix.namedProxy } : {}) }, check.url, { transport, pac: this.pac }), sensorCredentials: undefined }
      : await this.routeFor(check.identity, check.url, transport);
    const sensor = this.host.sensor ?? 'v2-wininet';
    const role = this.host.identities[check.identity]?.clientCert ?? 'enrolled';
    const cert = role === 'enrolled' ? this.pki.clientCert : role === 'unenrolled' ? this.pki.unenrolledClientCert : undefined;
    const observed = await checkUrl(check.url, route, {
      identity: check.identity,
      transport,
      trustedCaPems: this.trustedCaPems(),
      expected: { rootNames: [commonName(this.pki.trustedRoot.subject)] },
      ...(cert ? { clientCert: { certPem: cert.chainPem, keyPem: cert.keyPem } } : {}),
      ...(sensorCredentials ? { proxyCredentials: sensorCredentials } : this.credentialsFor(check.identity)),
      pingPath: SENSOR_GENERATIONS[sensor].testPath,
      ...(sensor !== 'v2-wininet' ? { sensor } : {}),
      hostChecks: await this.hostChecksFor(check.identity),
      checkClockSkew: !!this.host.prerequisites && hostCheckApplies('clock-skew', check.identity),
      authCheckPath: this.cloud.authCheckPath,
      checks: check.check,
      timeouts: this.host.timeouts,
      userAgent: `atp-netlab-probe (${check.identity})`,
      cloudMarkerHeader: this.cloud.markerHeader,
      ...(externalReports ? { externalReports } : {}),
    });
    if (this.host.revocation !== 'off') applyRevocationPolicy(observed, await this.revocationFor(check.identity, state), this.host.revocation);
    return observed;
  }

  /** What a simulated sensor running as `identity` uses to open its own connections (load). */
  async sensorSide(identity: Identity, transport: NetTransport = this.transport): Promise<SensorSide> {
    const state = await this.stateFor(identity);
    return {
      transport,
      route: (url) => resolveRoute(state, url, { transport, pac: this.pac }),
      trustedCaPems: this.trustedCaPems(),
      ...this.credentialsFor(identity),
      cloudMarkerHeader: this.cloud.markerHeader,
      expectedRootNames: [commonName(this.pki.trustedRoot.subject)],
      tcpTimeoutMs: this.host.timeouts.tcpMs,
    };
  }

  private trustedCaPems(): string[] {
    return hostTrustPems(this.host, this.pki);
  }

  [Symbol.dispose](): void {
    this.pac[Symbol.dispose]();
    this.updater?.close();
  }
}

function commonName(subject: string): string {
  return /CN=([^,\n]+)/.exec(subject)?.[1]?.trim() ?? subject;
}
