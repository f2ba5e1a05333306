/**
 * The docker engine: the plan's lab on a Docker network of its own, with the real thing where
 * the in-process engine emulates it.
 *
 *   network  atpnl-<run>: internal (no route off the machine), subnet 10.213.B.0/24, gateway .254
 *   slot n ─▶ 10.213.B.n: one container per component (dist/engines/docker/component-main.js)
 *   .253    ─▶ dnsmasq: the plan's DNS names, NXDOMAIN for every other name (no upstream)
 *   slot 1  ─▶ the Windows host: the real `atp-netlab probe --json` per check (docker exec),
 *              its resolv.conf pointing at the lab dnsmasq only, its egress firewall real
 *              iptables rules in its own namespace (host-firewall.ts)
 *
 * Every container and the network carry the label atp-netlab (and atp-netlab.run=<run>):
 * stop removes them, and `atp-netlab lab prune` removes what a killed run left.
 * Transparent proxies: the kernel diverts (DNAT in the host's nat OUTPUT chain).
 * Squid and mitmdump: containers of their own (atp-netlab/squid and atp-netlab/mitmproxy
 * images; squid-container.ts, mitmproxy-container.ts).
 * The layout (slots, DNS, host files, probe command) is docker-lab-layout.ts, shared with
 * `lab export --compose` (compose-export.ts).
 * Faults: a fault relay container on each faulted link (fault-relay.ts), the same plugins.
 * Proxy credentials: a 0600 file per identity in the host's folder, named by the probe's
 * --proxy-credentials-file (never on its command line).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PING_PATH } from '../../catalog/index.js';
import { AtpNetlabError } from '../../errors.js';
import { componentKind } from '../../lab/kinds/index.js';
import { explainNetworkPlan, HOST_SLOT, type LabPlan, type PlanCheck, type PlannedComponent } from '../../lab/lab-plan.js';
import { AUTH_CHECK_PATH, LAB_CLOUD_MARKER_HEADER } from '../../lab/mock-cloud.js';
import type { LabPki } from '../../pki/index.js';
import type { ProbeOutcome } from '../../probe/outcome.js';
import { proxyCredentialsLine } from '../../probe/proxy-credentials-file.js';
import type { Identity } from '../../identity.js';
import type { Engine, ReachableEndpoint, SensorSide, StartedEngineLab } from '../engine.js';
import { SimulatedWindowsHost } from '../windows-host.js';
import { ComponentChannel } from './component-channel.js';
import { dockerHostTransport } from './docker-sensor-side.js';
import { HOST_READY_LINE, PKI_MOUNT, READY_LINE, SPEC_PATH, type ComponentSpec } from './component-spec.js';
import { docker, dockerExit, dockerPrerequisites, LAB_LABEL, ownerLabels, pruneLabObjects } from './docker-cli.js';
import { annotate } from '../inproc/inproc-engine.js';
import { divertedConnections, droppedPackets, iptablesRules, loadRules, type AddressDiversion } from './host-firewall.js';
import { addressDiversions, componentSpecs, DNS_SLOT, dnsmasqArgs, GATEWAY_SLOT, HOST_MOUNT, hostProbeArgs, hostsFileText, labDnsTable, namesByAddress, writeHostFiles } from './docker-lab-layout.js';
import { DNSMASQ_PATH, ensureLabImage, IMAGE_APP_DIR } from './lab-image.js';
import { faultRelayPlan, loadRelayRules, RelayEventLog, relayUnsupported, RELAY_SPEC_PATH, type FaultRelayPlan } from './fault-relay.js';
import { imageOnce } from './offline-image.js';
import { readPublishedRecords, RECORDS_MOUNT } from './records-file.js';
import { DockerMitmproxy } from './mitmproxy-container.js';
import { mitmproxyImageUnavailable } from './mitmproxy-image.js';
import { DockerSquid } from './squid-container.js';
import { squidImageUnavailable } from './squid-image.js';

/** Component kinds that are this project's own Node code (the image runs them); real programs (squid) need images of their own. */
const NODE_KINDS = new Set(['cloud-endpoint', 'forward-proxy', 'middlebox', 'pac-server', 'transparent-proxy']);
const READY_TIMEOUT_MS = 20_000;
/** Kinds that are real programs with an image of their own: why that image cannot be built here, or undefined. */
const PROGRAM_IMAGES: Record<string, () => string | undefined> = { squid: squidImageUnavailable, mitmproxy: mitmproxyImageUnavailable };
/** Between `docker inspect` polls for a starting container's pid. */
const PID_POLL_MS = 50;
/** How long a probe run's end waits for the fault relay's last event lines. */
const FAULT_EVENT_SETTLE_MS = 150;

/** Runs not yet stopped: removed synchronously if this process exits first (an uncaught error, process.exit). */
const liveRuns = new Set<string>();
let exitHookInstalled = false;
/** Every run this process started (tests: what this process must have left nothing of). */
const startedRuns = new Set<string>();
export function dockerRunsStarted(): ReadonlySet<string> {
  return startedRuns;
}
function trackRun(run: string): void {
  liveRuns.add(run);
  startedRuns.add(run);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const r of liveRuns) {
      for (const kind of [['ps', '-aq'], ['network', 'ls', '-q']]) {
        try {
          const ids = execFileSync('docker', [...kind, '--filter', `label=${LAB_LABEL}.run=${r}`], { encoding: 'utf8', timeout: 10_000 }).split('\n').filter(Boolean);
          if (ids.length) execFileSync('docker', kind[0] === 'ps' ? ['rm', '-f', ...ids] : ['network', 'rm', ...ids], { stdio: 'ignore', timeout: 20_000 });
        } catch {
          // `atp-netlab lab prune` is the fallback
        }
      }
    }
  });
}

/** The lab image, built once per process (the content hash is computed once). */
const labImage = imageOnce(() => ensureLabImage());

export class StartedDockerLab implements StartedEngineLab {
  readonly engine = 'docker';
  private stopped = false;
  private hostPid = 0;
  /** Containers hold no handle in this process: this keeps it alive while the lab runs (lab up). */
  private readonly keepAlive = setInterval(() => undefined, 1 << 30);
  /** The attached `docker run` of each component (they end when their container is removed). */
  private readonly attached = new Set<ChildProcess>();
  private hostProcess?: ChildProcess;
  /** The real programs (Squid, mitmdump), by component name: their records are their own logs. */
  private readonly programs = new Map<string, DockerSquid | DockerMitmproxy>();
  private nextId = 0;
  private readonly pending = new Map<number, (a: { code: number; stdout: string; stderr: string }) => void>();
  /** One probe run per identity and check kind, shared by its checks. */
  private readonly reports = new Map<string, Promise<{ host: string; observed: ProbeOutcome }[]>>();
  /** What the fault relay's faults did (its stdout), and when each probe run ran (wall clock). */
  private readonly faultEvents = new RelayEventLog();
  private readonly probeWindows = new Map<string, { startMs: number; endMs: number }>();
  /** Each attached container's `docker run`, and the request channel of each lab cloud. */
  private readonly children = new Map<string, ChildProcess>();
  private readonly channels = new Map<string, ComponentChannel>();
  private relay?: FaultRelayPlan;
  /** The host side of simulated sensors (load), made on first use. */
  private sensorHost?: Promise<SimulatedWindowsHost>;
  /** Every container this lab ran, by name: stop removes them without listing the daemon first. */
  private readonly created = new Set<string>();
  /** Where start and stop spent their time (bench/docker-vs-inproc.mjs prints them): phase, ms from start, ms it took. */
  readonly timings: PhaseTiming[] = [];

  private constructor(
    readonly plan: LabPlan,
    private readonly pki: LabPki,
    readonly run: string,
    readonly subnetPrefix: string,
    private readonly dir: string,
    private readonly t0: number,
  ) {}

  /** Time one phase of start or stop into `timings`. */
  private async timed<T>(phase: string, work: Promise<T> | (() => Promise<T>)): Promise<T> {
    const at = performance.now();
    try {
      return await (typeof work === 'function' ? work() : work);
    } finally {
      this.timings.push({ phase, atMs: at - this.t0, ms: performance.now() - at });
    }
  }

  get network(): string {
    return `atpnl-${this.run}`;
  }

  address(slot: number): string {
    return `${this.subnetPrefix}.${slot}`;
  }

  addressOf(component: string): string | undefined {
    const c = this.plan.components.find((x) => x.name === component);
    return c ? this.address(c.slot) : undefined;
  }

  container(role: string): string {
    return `atpnl-${this.run}-${role}`;
  }

  static async start(plan: LabPlan, pki: LabPki): Promise<StartedDockerLab> {
    const t0 = performance.now();
    const image = await labImage();
    const imageMs = performance.now() - t0;
    const run = crypto.randomBytes(4).toString('hex');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `atpnl-docker-${run}-`));
    let lab: StartedDockerLab | undefined;
    trackRun(run);
    try {
      const t1 = performance.now();
      const prefix = await createNetwork(run);
      lab = new StartedDockerLab(plan, pki, run, prefix, dir, t0);
      lab.timings.push({ phase: 'image (lab)', atMs: 0, ms: imageMs }, { phase: 'network create', atMs: t1 - t0, ms: performance.now() - t1 });
      await lab.startContainers(image);
    } catch (e) {
      if (lab) await lab.stop();
      else {
        await pruneLabObjects(run).catch(() => undefined);
        liveRuns.delete(run);
        fs.rmSync(dir, { recursive: true, force: true });
      }
      throw e;
    }
    return lab;
  }

  private labels(role: string): string[] {
    return ['--label', `${LAB_LABEL}=1`, '--label', `${LAB_LABEL}.run=${this.run}`, '--label', `${LAB_LABEL}.role=${role}`, ...ownerLabels()];
  }

  private dnsTableAddresses(): [string, string][] {
    return labDnsTable(this.plan, (c) => this.addressOf(c));
  }

  private async startContainers(image: string): Promise<void> {
    const specs = componentSpecs(this.plan, (slot) => this.address(slot));
    const dns = this.dnsTableAddresses();
    const dnsAddress = this.address(DNS_SLOT);
    const common = (role: string, slot: number) => {
      this.created.add(this.container(role));
      return ['run', '-d', '--name', this.container(role), '--network', this.network, '--ip', this.address(slot), ...this.labels(role)];
    };

    // The lab DNS: dnsmasq with the plan's names only; `--address=/#/` makes every other name NXDOMAIN.
    fs.writeFileSync(path.join(this.dir, 'hosts'), hostsFileText(dns));
    const ready: Promise<void>[] = [];
    const starts: Promise<unknown>[] = [
      this.timed('dns (docker run -d)', docker([
        ...common('dns', DNS_SLOT), '-v', `${path.join(this.dir, 'hosts')}:/lab/hosts:ro`, '--entrypoint', DNSMASQ_PATH, image,
        ...dnsmasqArgs(dnsAddress),
      ])),
    ];
    for (const spec of specs) {
      const c = spec.component;
      if (c.type === 'squid' || c.type === 'mitmproxy') {
        ready.push(this.timed(`c${c.slot} ${c.type} ready`, this.startProgram(c, spec, common(`c${c.slot}`, c.slot).filter((a) => a !== '-d'))));
        continue;
      }
      const specFile = path.join(this.dir, `component-${c.slot}.json`);
      // 0600: a middlebox's definition may carry a customer's CA key (inspectionCaPem).
      fs.writeFileSync(specFile, JSON.stringify(spec), { mode: 0o600 });
      fs.mkdirSync(this.recordsDir(c.slot));
      // Attached (no -d): its stdout says when it listens, without polling `docker logs`.
      // A lab cloud is attached with stdin too: its request channel (enroll a load run's fleet).
      const channel = c.type === 'cloud-endpoint' ? new ComponentChannel(this.container(`c${c.slot}`), () => this.children.get(this.container(`c${c.slot}`))) : undefined;
      if (channel) this.channels.set(c.name, channel);
      const args = [...common(`c${c.slot}`, c.slot), ...(channel ? ['-i'] : []), '-v', `${specFile}:${SPEC_PATH}:ro`, '-v', `${this.pki.dir}:${PKI_MOUNT}:ro`, '-v', `${this.recordsDir(c.slot)}:${RECORDS_MOUNT}`, image, `${IMAGE_APP_DIR}/dist/engines/docker/component-main.js`].filter((a) => a !== '-d');
      ready.push(this.timed(`c${c.slot} ${c.type} ready`, this.runUntilReady(this.container(`c${c.slot}`), args, READY_LINE, channel && ((d) => channel.push(d)))));
    }
    const relay = faultRelayPlan(this.plan, (slot) => this.address(slot));
    this.relay = relay;
    if (relay) {
      const relayFile = path.join(this.dir, 'fault-relay.json');
      fs.writeFileSync(relayFile, JSON.stringify({ address: relay.address, links: relay.links }));
      const args = [...common('faults', relay.slot), '-v', `${relayFile}:${RELAY_SPEC_PATH}:ro`, image, `${IMAGE_APP_DIR}/dist/engines/docker/fault-relay-main.js`].filter((a) => a !== '-d');
      ready.push(this.timed('fault relay ready', this.runUntilReady(this.container('faults'), args, READY_LINE, (d) => this.faultEvents.push(d))));
    }
    // The Windows host: its files (hive, trust, client certificates) read-only, its DNS the lab's only.
    const hostDir = path.join(this.dir, 'host');
    writeHostFiles(hostDir, this.plan, this.pki, dnsAddress);
    // Attached with stdin: cli/probe-worker.js keeps the probe command loaded and answers one line per probe run.
    // Each Squid's folder, read-only at the same path: the host's probe reads its access log
    // (`probe --proxy-log`) to tell a policy reset from a crash, as the in-process engine does.
    const squidLogs = this.squidFolders().flatMap((d) => {
      fs.mkdirSync(d, { recursive: true, mode: 0o700 });
      return ['-v', `${d}:${d}:ro`];
    });
    const hostArgs = [...common('host', HOST_SLOT).filter((a) => a !== '-d'), '-i', '-v', `${hostDir}:${HOST_MOUNT}:ro`, '-v', `${path.join(hostDir, 'resolv.conf')}:/etc/resolv.conf:ro`, ...squidLogs, '--hostname', 'windows-host', image, `${IMAGE_APP_DIR}/dist/cli/probe-worker.js`];
    ready.push(this.timed('host ready (probe worker loaded)', this.runUntilReady(this.container('host'), hostArgs, HOST_READY_LINE)));
    // The host's firewall goes in as soon as its namespace exists, while Node loads the probe
    // (seconds on a loaded machine), not after: no probe runs before start() returns either way.
    const names = namesByAddress(this.plan, (slot) => this.address(slot));
    ready.push(
      this.timed('host firewall (pid, iptables-restore, route)', async () => {
        this.hostPid = await this.timed('host pid (running)', containerPid(this.container('host'), () => this.hostProcess?.exitCode !== null && this.hostProcess?.exitCode !== undefined));
        await loadRules(this.hostPid, iptablesRules(this.plan.firewall, names, dnsAddress, this.addressDiversions()), this.address(GATEWAY_SLOT));
      }),
    );
    await Promise.all(starts);
    await Promise.all(ready);
    if (relay) await this.timed('fault relay rules', () => loadRelayRules(relay, async (slot) => (slot === HOST_SLOT ? this.hostPid : Number(await docker(['inspect', '-f', '{{.State.Pid}}', this.container(`c${slot}`)])))));
  }

  /** A program component's folder on this machine (mounted at the same path in its container). */
  private programFolder(c: Pick<PlannedComponent, 'type' | 'slot'>): string {
    return path.join(this.dir, `${c.type}-${c.slot}`);
  }

  private squidFolders(): string[] {
    return this.plan.components.filter((c) => c.type === 'squid').map((c) => this.programFolder(c));
  }

  /** A real Squid or mitmdump in a container of its own (squid-container.ts, mitmproxy-container.ts), with its own image. */
  private async startProgram(c: PlannedComponent, spec: ComponentSpec, runArgs: string[]): Promise<void> {
    const env = { name: c.name, address: spec.address, pki: this.pki, dnsTable: () => spec.dns, endpointOf: (n: string) => spec.endpoints[n] };
    const whoIs = (a: string) => this.endpoints().find((e) => e.address === a.replace(/^::ffff:/, ''))?.name ?? a;
    const opts = { runArgs, container: this.container(`c${c.slot}`), dir: this.programFolder(c), env, whoIs };
    this.programs.set(c.name, c.type === 'squid' ? await DockerSquid.start(c, opts) : await DockerMitmproxy.start(c, opts));
  }

  /** `docker run` attached: resolves on READY_LINE, rejects if the container ends or stays silent first. */
  private runUntilReady(container: string, args: string[], readyLine = READY_LINE, onOutput?: (d: string) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn('docker', args, { stdio: [args.includes('-i') ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
      if (readyLine === HOST_READY_LINE) this.hostProcess = child;
      this.attached.add(child);
      this.children.set(container, child);
      child.once('exit', () => this.attached.delete(child));
      let out = '';
      let err = '';
      const fail = (why: string) => {
        clearTimeout(timer);
        reject(new AtpNetlabError('ATPNL_LAB_BIND', `docker engine: container ${container} did not get ready (${why}): ${(err || out).trim().split('\n').slice(-3).join(' | ')}`));
      };
      const timer = setTimeout(() => fail(`no ready line within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
      // Once ready, later output goes to onOutput only: `out` stops growing, and the host's
      // answer reader is attached once (each later chunk used to attach another).
      let isReady = false;
      child.stdout!.on('data', (d: Buffer) => {
        if (isReady) return onOutput?.(d.toString());
        out += d.toString();
        if (out.includes(readyLine)) {
          isReady = true;
          clearTimeout(timer);
          resolve();
          const rest = out.slice(out.indexOf(readyLine) + readyLine.length);
          if (readyLine === HOST_READY_LINE) this.readAnswers(child, rest);
          else onOutput?.(rest);
        }
      });
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.once('error', (e) => fail(e.message));
      child.once('exit', (code) => fail(`exited ${code}`));
    });
  }

  /** The host's answer lines ({id, code, stdout}) to the pending probe runs. */
  private readAnswers(child: ChildProcess, already: string): void {
    let buf = already;
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const a = JSON.parse(line) as { id: number; code: number; stdout: string; stderr: string };
        this.pending.get(a.id)?.(a);
        this.pending.delete(a.id);
      }
    });
  }

  private addressDiversions(): AddressDiversion[] {
    return addressDiversions(this.plan, (slot) => this.address(slot));
  }

  /**
   * The probe's command line for one identity's checks of one kind: what an admin would type
   * on the host. One probe per identity, as on a real host, checks its hosts in parallel.
   */
  probeArgs(check: Pick<PlanCheck, 'identity' | 'check'>): string[] {
    // squid.ts names the log access.log in its folder (prepareSquid's SquidFiles.accessLog).
    return hostProbeArgs(this.plan, this.pki, check, { proxyLogs: this.squidFolders().map((d) => path.join(d, 'access.log')) });
  }

  async runCheck(check: PlanCheck): Promise<ProbeOutcome> {
    const key = `${check.identity} ${check.check}`;
    let report = this.reports.get(key);
    if (!report) {
      report = this.probe(check);
      this.reports.set(key, report);
    }
    const observed = (await report).find((c) => c.host === check.host)?.observed;
    if (!observed) throw new AtpNetlabError('ATPNL_INTERNAL', `docker engine: the host's probe report has no check of ${check.host}`);
    // The probe went DIRECT; the kernel's DNAT rule for the host's address says where it went.
    const port = Number(new URL(check.url).port || 443);
    const address = this.dnsTableAddresses().find(([n]) => n === check.host)?.[1];
    const d = this.addressDiversions().find((x) => x.port === port && address && x.from.includes(address));
    const w = this.probeWindows.get(key);
    const faults = w ? this.faultEvents.during(w.startMs, w.endMs) : [];
    return d || faults.length ? annotate(observed, [...faults, ...(d ? [{ type: 'diverted' as const, address: address!, port, to: d.name, toAddress: d.to, toPort: d.toPort }] : [])], check) : observed;
  }

  private async probe(check: PlanCheck): Promise<{ host: string; observed: ProbeOutcome }[]> {
    const id = ++this.nextId;
    const args = this.probeArgs(check).slice(2); // without `main.js probe`: the host's probe command parses the rest
    const startMs = Date.now();
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new AtpNetlabError('ATPNL_INTERNAL', 'docker engine: the host did not answer a probe run')), this.plan.host.timeouts.totalMs * 3 + 10_000);
      this.pending.set(id, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
      this.hostProcess!.stdin!.write(JSON.stringify({ id, args }) + '\n');
    });
    // The relay's event lines come over another attached stream: give them a moment to arrive.
    if (this.plan.faults?.length) await new Promise((res) => setTimeout(res, FAULT_EVENT_SETTLE_MS));
    this.probeWindows.set(`${check.identity} ${check.check}`, { startMs, endMs: Date.now() });
    try {
      return (JSON.parse(r.stdout) as { checks: { host: string; observed: ProbeOutcome }[] }).checks;
    } catch {
      throw new AtpNetlabError('ATPNL_INTERNAL', `docker engine: the host's probe printed no report (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    }
  }

  /** Tell every lab cloud container about more sensor certificates; resolves once each has them. */
  async enrollSensors(thumbprints: readonly string[]): Promise<void> {
    await Promise.all([...this.channels.values()].map((c) => c.enroll(thumbprints)));
  }

  /** A lab cloud's records, asked of its container now (records() reads what every component published, at most 50 ms late). */
  async fetchRecords(component: string): Promise<readonly object[]> {
    return (await this.channels.get(component)?.records()) ?? [];
  }

  /** Simulated sensors' host side: this process, over the lab network (docker-sensor-side.ts). */
  async sensorSide(identity: Identity): Promise<SensorSide> {
    const transport = dockerHostTransport({ plan: this.plan, subnetPrefix: this.subnetPrefix, dnsAddress: this.address(DNS_SLOT), dnsTable: this.dnsTableAddresses(), ...(this.relay ? { relay: this.relay } : {}) });
    this.sensorHost ??= SimulatedWindowsHost.create(this.plan.host, this.pki, transport, { pingPath: PING_PATH, authCheckPath: AUTH_CHECK_PATH, markerHeader: LAB_CLOUD_MARKER_HEADER });
    return (await this.sensorHost).sensorSide(identity, transport);
  }

  /** Packets the host's egress firewall dropped so far (the kernel's counters). */
  droppedPackets(): Promise<number> {
    return droppedPackets(this.hostPid);
  }

  /** Connections the kernel diverted to a transparent proxy so far (its nat counters). */
  divertedConnections(): Promise<number> {
    return divertedConnections(this.hostPid);
  }

  /** A command in the Windows host container (tests: what the host itself sees). */
  execInHost(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return dockerExit(['exec', this.container('host'), ...args]);
  }

  /** What a component did, in its own record shape: Squid's access log, or what a Node component published (records-file.ts). */
  records(component: string): readonly object[] {
    const program = this.programs.get(component);
    if (program) return program.records;
    const c = this.plan.components.find((x) => x.name === component);
    return c ? readPublishedRecords(this.recordsDir(c.slot)) : [];
  }

  private recordsDir(slot: number): string {
    return path.join(this.dir, `records-${slot}`);
  }

  endpoints(): ReachableEndpoint[] {
    return [
      { name: 'windows-host', type: 'windows-host', role: 'windows-host', address: this.address(HOST_SLOT), port: 0, boundPort: 0, dnsNames: [] },
      { name: 'lab-dns', type: 'dnsmasq', role: 'dns', address: this.address(DNS_SLOT), port: 53, boundPort: 53, dnsNames: [] },
      ...this.plan.components.map((c) => ({
        name: c.name,
        type: c.type,
        role: c.role,
        address: this.address(c.slot),
        port: c.port,
        boundPort: c.port,
        dnsNames: this.plan.dns.filter((n) => n.component === c.name).map((n) => n.name),
      })),
    ];
  }

  dnsTable(): [string, string][] {
    return this.dnsTableAddresses();
  }

  outsideNotes(): string[] {
    return [
      `The lab runs on the internal Docker network ${this.network} (${this.subnetPrefix}.0/24): it has no route to or from this machine's other networks, so outside tools reach it only from a container on that network (docker run --network ${this.network}).`,
      `The lab DNS is dnsmasq at ${this.address(DNS_SLOT)}; the egress firewall is enforced in the Windows host container only.`,
      ...(this.relay ? [`The plan's faults act in the fault relay container ${this.container('faults')} (${this.relay.address}) on ${this.relay.links.length} link(s), for connections from the lab's containers; \`lab fault add|remove\` cannot change them on this engine.`] : []),
    ];
  }

  explain(): string {
    return explainNetworkPlan(this.plan);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.keepAlive);
    (await this.sensorHost?.catch(() => undefined))?.[Symbol.dispose]();
    try {
      await this.timed('stop (docker rm -f, network rm)', () => this.removeContainersAndNetwork());
      for (const c of this.attached) c.kill();
      for (const p of this.programs.values()) p.detach();
      liveRuns.delete(this.run);
    } finally {
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /**
   * By name (what this lab made): two docker commands instead of prune's four (it lists
   * containers and networks by label first). Anything that fails, or a container this process
   * did not name, falls to the label prune of this run, so a stop still leaves nothing.
   */
  private async removeContainersAndNetwork(): Promise<void> {
    try {
      if (this.created.size) await docker(['rm', '-f', '-v', ...this.created]);
      await docker(['network', 'rm', this.network]);
    } catch {
      await pruneLabObjects(this.run);
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * The pid of a container once it runs (0 until then; `docker inspect` fails until `docker run`
 * has created it): polled, bounded by READY_TIMEOUT_MS, given up when `gone()` says its run ended.
 */
async function containerPid(container: string, gone: () => boolean): Promise<number> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const pid = Number(await docker(['inspect', '-f', '{{.State.Pid}}', container], { timeoutMs: 10_000 }).catch(() => '0'));
    if (pid > 0) return pid;
    if (gone() || Date.now() > deadline) throw new AtpNetlabError('ATPNL_LAB_BIND', `docker engine: container ${container} did not run within ${READY_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, PID_POLL_MS));
  }
}

/** One phase of a docker lab's start or stop: when it began (ms after start began) and how long it took. */
export interface PhaseTiming {
  phase: string;
  atMs: number;
  ms: number;
}

/** An internal network with an explicit /24 of 10.213.0.0/16; a subnet another network holds is skipped. */
async function createNetwork(run: string): Promise<string> {
  const first = crypto.randomInt(256);
  for (let i = 0; i < 16; i++) {
    const prefix = `10.213.${(first + i) % 256}`;
    try {
      await docker(['network', 'create', '--internal', '--driver', 'bridge', '--subnet', `${prefix}.0/24`, '--gateway', `${prefix}.${GATEWAY_SLOT}`, '--label', `${LAB_LABEL}=1`, '--label', `${LAB_LABEL}.run=${run}`, ...ownerLabels(), `atpnl-${run}`]);
      return prefix;
    } catch (e) {
      if (!/overlap/i.test((e as Error).message)) throw e;
    }
  }
  throw new AtpNetlabError('ATPNL_LAB_BIND', 'docker engine: no free /24 in 10.213.0.0/16 for the lab network (atp-netlab lab prune removes old ones)');
}

async function hostToolsMissing(): Promise<string[]> {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('the docker engine loads the host firewall with nsenter: run as root');
  const onPath = (b: string) => ['/usr/sbin', '/usr/bin', '/sbin', '/bin', ...(process.env.PATH ?? '').split(':')].some((d) => d && fs.existsSync(`${d}/${b}`));
  for (const [b, pkg] of [['nsenter', 'util-linux'], ['iptables-restore', 'iptables'], ['ip', 'iproute2']] as const) if (!onPath(b)) missing.push(`${b} is missing (apt-get install ${pkg})`);
  if (!fs.existsSync(DNSMASQ_PATH)) missing.push(`${DNSMASQ_PATH} is missing: apt-get install dnsmasq-base (the lab DNS)`);
  return missing;
}

export const dockerEngine: Engine = {
  name: 'docker',
  description: 'each component in its own container on an internal Docker network, real DNS (dnsmasq) and a real packet filter (iptables) for the host',
  prerequisites: async () => {
    const daemon = await dockerPrerequisites();
    return daemon.length ? daemon : hostToolsMissing();
  },
  unsupported: (plan) => {
    const types = [...new Set([...plan.components.map((c) => c.type), ...(plan.requires.kinds ?? [])])];
    const other = types.filter((t) => !(NODE_KINDS.has(t) || t in PROGRAM_IMAGES) || !componentKind(t));
    if (other.length) return `the docker engine does not run component kind ${other.join(', ')} yet`;
    const noImage = types.map((t) => PROGRAM_IMAGES[t]?.()).find((why) => why !== undefined);
    if (noImage) return noImage;
    if (Object.values(plan.host.identities).some((i) => i?.proxyCredentials && !proxyCredentialsLine(i.proxyCredentials))) {
      return "the host probe's credentials file holds user:password on one line: this plan's proxy user name has a colon, or its credentials a control character";
    }
    if (plan.dns.some((n) => !n.component)) return 'the docker engine does not map DNS records with literal addresses yet';
    const faults = relayUnsupported(plan);
    if (faults) return faults;
    for (const c of plan.checks) {
      const u = new URL(c.url);
      if ((u.port && u.port !== '443') || u.pathname !== PING_PATH) return `the host probe checks https://HOST${PING_PATH} only (this plan checks ${c.url})`;
    }
    return undefined;
  },
  start: (plan, opts) => StartedDockerLab.start(plan, opts.pki),
};
