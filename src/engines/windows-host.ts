/**
 * The simulated Windows host of a plan, run in this process: its registry hives, its trust
 * store and sensor identity, and for each check the REAL WinINET route resolution, the real
 * probe and the real revocation check, over whatever transport the engine gives it. This is
 * the same code `atp-netlab probe` runs on a customer's host; only the transport differs.
 *
 *   check ─▶ identity's hive ─▶ resolveRoute (static / PAC / WPAD) ─▶ checkUrl ─▶ outcome
 *                                                                    └▶ revocation policy
 */
import { canAnswerProxyChallenge, type Identity } from '../identity.js';
import type { HostPlan, PlanCheck } from '../lab/lab-plan.js';
import type { LabPki } from '../pki/index.js';
import { checkUrl } from '../probe/check-url.js';
import type { RevocationCheck } from '../probe/check-revocation.js';
import type { ProbeOutcome } from '../probe/outcome.js';
import { applyRevocationPolicy, checkRevocationHosts } from '../probe/revocation-policy.js';
import { MemoryRegistryStore } from '../registry/memory-registry-store.js';
import type { NetTransport } from '../transport.js';
import type { SensorSide } from './engine.js';
import { PacRuntime, readWinInetState, resolveRoute, type WinInetState } from '../wininet/index.js';

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
    return new SimulatedWindowsHost(host, store, pki, transport, cloud);
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

  /** One check over `transport` (the engine may hand a per-check transport that records what the network did). */
  async runCheck(check: PlanCheck, transport: NetTransport = this.transport): Promise<ProbeOutcome> {
    const state = await this.stateFor(check.identity);
    const route = await resolveRoute(state, check.url, { transport, pac: this.pac });
    const role = this.host.identities[check.identity]?.clientCert ?? 'enrolled';
    const cert = role === 'enrolled' ? this.pki.clientCert : role === 'unenrolled' ? this.pki.unenrolledClientCert : undefined;
    const observed = await checkUrl(check.url, route, {
      identity: check.identity,
      transport,
      trustedCaPems: this.trustedCaPems(),
      expected: { rootNames: [commonName(this.pki.trustedRoot.subject)] },
      ...(cert ? { clientCert: { certPem: cert.chainPem, keyPem: cert.keyPem } } : {}),
      ...this.credentialsFor(check.identity),
      pingPath: this.cloud.pingPath,
      authCheckPath: this.cloud.authCheckPath,
      checks: check.check,
      timeouts: this.host.timeouts,
      userAgent: `atp-netlab-probe (${check.identity})`,
      cloudMarkerHeader: this.cloud.markerHeader,
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
    return this.host.trust.map((t) => (t === 'cloud-root' ? this.pki.trustedRoot.certPem : this.pki.middleboxCa.certPem));
  }

  [Symbol.dispose](): void {
    this.pac[Symbol.dispose]();
  }
}

function commonName(subject: string): string {
  return /CN=([^,\n]+)/.exec(subject)?.[1]?.trim() ?? subject;
}
