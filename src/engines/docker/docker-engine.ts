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
 * Not yet here: real Squid/mitmproxy containers, proxy
 * credentials (the probe CLI takes them only in --proxy), compose export.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PING_PATH } from '../../catalog/index.js';
import { AtpNetlabError } from '../../errors.js';
import { componentKind } from '../../lab/kinds/index.js';
import { explainNetworkPlan, HOST_SLOT, type LabPlan, type PlanCheck } from '../../lab/lab-plan.js';
import { AUTH_CHECK_PATH } from '../../lab/mock-cloud.js';
import type { LabPki } from '../../pki/index.js';
import { hostTrustPems } from '../host-trust.js';
import type { ProbeOutcome } from '../../probe/outcome.js';
import type { Engine, ReachableEndpoint, StartedEngineLab } from '../engine.js';
import { HOST_READY_LINE, PKI_MOUNT, READY_LINE, SPEC_PATH, type ComponentSpec } from './component-spec.js';
import { docker, dockerExit, dockerPrerequisites, LAB_LABEL, pruneLabObjects } from './docker-cli.js';
import { annotate } from '../inproc/inproc-engine.js';
import { divertedConnections, droppedPackets, iptablesRules, loadRules, type AddressDiversion } from './host-firewall.js';
import { DNSMASQ_PATH, ensureLabImage, IMAGE_APP_DIR } from './lab-image.js';

const DNS_SLOT = 253;
const GATEWAY_SLOT = 254;
/** Component kinds that are this project's own Node code (the image runs them); real programs (squid) need images of their own. */
const NODE_KINDS = new Set(['cloud-endpoint', 'forward-proxy', 'middlebox', 'pac-server', 'transparent-proxy']);
const READY_TIMEOUT_MS = 20_000;

/** Runs not yet stopped: removed synchronously if this process exits first (an uncaught error, process.exit). */
const liveRuns = new Set<string>();
let exitHookInstalled = false;
function trackRun(run: string): void {
  liveRuns.add(run);
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

let imageTag: Promise<string> | undefined;
/** The lab image, built once per process (the content hash is computed once). */
function labImage(): Promise<string> {
  imageTag ??= ensureLabImage().then((i) => i.tag).catch((e: unknown) => {
    imageTag = undefined;
    throw e;
  });
  return imageTag;
}

function commonName(subject: string): string {
  return /CN=([^,\n]+)/.exec(subject)?.[1]?.trim() ?? subject;
}

/**
 * The host's hives as one .reg document (the probe reads one export; each hive keeps its own
 * keys). No hive is still an export: a registry without the value, which WinINET reads as
 * "Automatically detect settings" (WPAD), not as "no settings given".
 */
function mergedHives(hives: Record<string, string>): string {
  const body = Object.values(hives).map((t) => t.replace(/^\uFEFF?Windows Registry Editor Version 5\.00\s*/, '')).join('\r\n');
  return `Windows Registry Editor Version 5.00\r\n\r\n${body}`;
}

export class StartedDockerLab implements StartedEngineLab {
  readonly engine = 'docker';
  private stopped = false;
  private hostPid = 0;
  /** Containers hold no handle in this process: this keeps it alive while the lab runs (lab up). */
  private readonly keepAlive = setInterval(() => undefined, 1 << 30);
  /** The attached `docker run` of each component (they end when their container is removed). */
  private readonly attached = new Set<ChildProcess>();
  private hostProcess?: ChildProcess;
  private nextId = 0;
  private readonly pending = new Map<number, (a: { code: number; stdout: string; stderr: string }) => void>();
  /** One probe run per identity and check kind, shared by its checks. */
  private readonly reports = new Map<string, Promise<{ host: string; observed: ProbeOutcome }[]>>();

  private constructor(
    readonly plan: LabPlan,
    private readonly pki: LabPki,
    readonly run: string,
    readonly subnetPrefix: string,
    private readonly dir: string,
  ) {}

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
    const image = await labImage();
    const run = crypto.randomBytes(4).toString('hex');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `atpnl-docker-${run}-`));
    let lab: StartedDockerLab | undefined;
    trackRun(run);
    try {
      const prefix = await createNetwork(run);
      lab = new StartedDockerLab(plan, pki, run, prefix, dir);
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
    return ['--label', `${LAB_LABEL}=1`, '--label', `${LAB_LABEL}.run=${this.run}`, '--label', `${LAB_LABEL}.role=${role}`];
  }

  private dnsTableAddresses(): [string, string][] {
    const out: [string, string][] = [];
    for (const n of this.plan.dns) {
      const a = n.component ? this.addressOf(n.component) : n.address;
      if (a) out.push([n.name, a]);
    }
    return out;
  }

  private async startContainers(image: string): Promise<void> {
    const endpoints = Object.fromEntries(this.plan.components.map((c) => [c.name, { address: this.address(c.slot), port: c.port }]));
    const dns = this.dnsTableAddresses();
    const dnsAddress = this.address(DNS_SLOT);
    const common = (role: string, slot: number) => ['run', '-d', '--name', this.container(role), '--network', this.network, '--ip', this.address(slot), ...this.labels(role)];

    // The lab DNS: dnsmasq with the plan's names only; `--address=/#/` makes every other name NXDOMAIN.
    fs.writeFileSync(path.join(this.dir, 'hosts'), dns.map(([n, a]) => `${a} ${n}`).join('\n') + '\n');
    const ready: Promise<void>[] = [];
    const starts: Promise<unknown>[] = [
      docker([
        ...common('dns', DNS_SLOT), '-v', `${path.join(this.dir, 'hosts')}:/lab/hosts:ro`, '--entrypoint', DNSMASQ_PATH, image,
        '--keep-in-foreground', '--no-resolv', '--no-hosts', '--addn-hosts=/lab/hosts', '--address=/#/', `--listen-address=${dnsAddress}`, '--bind-interfaces', '--pid-file=', '--user=root', '--log-queries', '--log-facility=-',
      ]),
    ];
    for (const c of this.plan.components) {
      const spec: ComponentSpec = { component: c, address: this.address(c.slot), endpoints, dns };
      const specFile = path.join(this.dir, `component-${c.slot}.json`);
      // 0600: a middlebox's definition may carry a customer's CA key (inspectionCaPem).
      fs.writeFileSync(specFile, JSON.stringify(spec), { mode: 0o600 });
      // Attached (no -d): its stdout says when it listens, without polling `docker logs`.
      const args = [...common(`c${c.slot}`, c.slot), '-v', `${specFile}:${SPEC_PATH}:ro`, '-v', `${this.pki.dir}:${PKI_MOUNT}:ro`, image, `${IMAGE_APP_DIR}/dist/engines/docker/component-main.js`].filter((a) => a !== '-d');
      ready.push(this.runUntilReady(this.container(`c${c.slot}`), args));
    }
    // The Windows host: its files (hive, trust, client certificates) read-only, its DNS the lab's only.
    const hostDir = path.join(this.dir, 'host');
    fs.mkdirSync(hostDir);
    fs.writeFileSync(path.join(hostDir, 'resolv.conf'), `nameserver ${dnsAddress}\noptions timeout:1 attempts:2\n`);
    fs.writeFileSync(path.join(hostDir, 'hive.reg'), mergedHives(this.plan.host.hives));
    hostTrustPems(this.plan.host, this.pki).forEach((pem, i) => fs.writeFileSync(path.join(hostDir, `trust-${i}.pem`), pem));
    for (const [name, cert] of [['enrolled', this.pki.clientCert], ['unenrolled', this.pki.unenrolledClientCert]] as const) {
      fs.writeFileSync(path.join(hostDir, `${name}.pem`), cert.chainPem);
      fs.writeFileSync(path.join(hostDir, `${name}.key`), cert.keyPem, { mode: 0o600 });
    }
    // Attached with stdin: cli/probe-worker.js keeps the probe command loaded and answers one line per probe run.
    const hostArgs = [...common('host', HOST_SLOT).filter((a) => a !== '-d'), '-i', '-v', `${hostDir}:/host:ro`, '-v', `${path.join(hostDir, 'resolv.conf')}:/etc/resolv.conf:ro`, '--hostname', 'windows-host', image, `${IMAGE_APP_DIR}/dist/cli/probe-worker.js`];
    ready.push(this.runUntilReady(this.container('host'), hostArgs, HOST_READY_LINE));
    await Promise.all(starts);
    await Promise.all(ready);
    this.hostPid = Number(await docker(['inspect', '-f', '{{.State.Pid}}', this.container('host')]));
    const names = new Map<string, string[]>();
    for (const c of this.plan.components) names.set(this.address(c.slot), [c.name]);
    for (const [n, a] of dns) names.get(a)?.push(n);
    await loadRules(this.hostPid, iptablesRules(this.plan.firewall, names, dnsAddress, this.addressDiversions()), this.address(GATEWAY_SLOT));
  }

  /** `docker run` attached: resolves on READY_LINE, rejects if the container ends or stays silent first. */
  private runUntilReady(container: string, args: string[], readyLine = READY_LINE): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn('docker', args, { stdio: [args.includes('-i') ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
      if (readyLine === HOST_READY_LINE) this.hostProcess = child;
      this.attached.add(child);
      child.once('exit', () => this.attached.delete(child));
      let out = '';
      let err = '';
      const fail = (why: string) => {
        clearTimeout(timer);
        reject(new AtpNetlabError('ATPNL_LAB_BIND', `docker engine: container ${container} did not get ready (${why}): ${(err || out).trim().split('\n').slice(-3).join(' | ')}`));
      };
      const timer = setTimeout(() => fail(`no ready line within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes(readyLine)) {
          clearTimeout(timer);
          resolve();
          if (readyLine === HOST_READY_LINE) this.readAnswers(child, out.slice(out.indexOf(readyLine) + readyLine.length));
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
    return this.plan.diversions.map((d) => {
      const to = this.plan.components.find((c) => c.name === d.to)!;
      return { from: d.from.map((f) => this.addressOf(f)).filter((a): a is string => a !== undefined), port: d.port, to: this.address(to.slot), toPort: to.port, name: d.to };
    });
  }

  /**
   * The probe's command line for one identity's checks of one kind: what an admin would type
   * on the host. One probe per identity, as on a real host, checks its hosts in parallel.
   */
  probeArgs(check: Pick<PlanCheck, 'identity' | 'check'>): string[] {
    const h = this.plan.host;
    const role = h.identities[check.identity]?.clientCert ?? 'enrolled';
    const hosts = [...new Set(this.plan.checks.filter((c) => c.identity === check.identity && c.check === check.check).map((c) => c.host))];
    const args = [`${IMAGE_APP_DIR}/dist/cli/main.js`, 'probe', '--json', ...hosts.flatMap((x) => ['--extra-host', x]), '--identity', check.identity, '--dns-suffix', this.plan.domain];
    args.push('--reg', '/host/hive.reg');
    h.trust.forEach((_, i) => args.push('--ca', `/host/trust-${i}.pem`));
    args.push('--expect-root', commonName(this.pki.trustedRoot.subject));
    if (role !== 'none') args.push('--client-cert', `/host/${role}.pem`, '--client-key', `/host/${role}.key`);
    if (check.check === 'full') args.push('--auth-path', AUTH_CHECK_PATH);
    args.push('--timeout-ms', String(h.timeouts.totalMs), '--tcp-timeout-ms', String(h.timeouts.tcpMs), '--revocation', h.revocation);
    return args;
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
    return d ? annotate(observed, [{ type: 'diverted', address: address!, port, to: d.name, toAddress: d.to, toPort: d.toPort }], check) : observed;
  }

  private async probe(check: PlanCheck): Promise<{ host: string; observed: ProbeOutcome }[]> {
    const id = ++this.nextId;
    const args = this.probeArgs(check).slice(2); // without `main.js probe`: the host's probe command parses the rest
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new AtpNetlabError('ATPNL_INTERNAL', 'docker engine: the host did not answer a probe run')), this.plan.host.timeouts.totalMs * 3 + 10_000);
      this.pending.set(id, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
      this.hostProcess!.stdin!.write(JSON.stringify({ id, args }) + '\n');
    });
    try {
      return (JSON.parse(r.stdout) as { checks: { host: string; observed: ProbeOutcome }[] }).checks;
    } catch {
      throw new AtpNetlabError('ATPNL_INTERNAL', `docker engine: the host's probe printed no report (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    }
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

  records(): readonly object[] {
    // Component records stay in their containers for now (docker logs atpnl-<run>-c<slot>).
    return [];
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
    ];
  }

  explain(): string {
    return explainNetworkPlan(this.plan);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.keepAlive);
    try {
      await pruneLabObjects(this.run);
      for (const c of this.attached) c.kill();
      liveRuns.delete(this.run);
    } finally {
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** An internal network with an explicit /24 of 10.213.0.0/16; a subnet another network holds is skipped. */
async function createNetwork(run: string): Promise<string> {
  const first = crypto.randomInt(256);
  for (let i = 0; i < 16; i++) {
    const prefix = `10.213.${(first + i) % 256}`;
    try {
      await docker(['network', 'create', '--internal', '--driver', 'bridge', '--subnet', `${prefix}.0/24`, '--gateway', `${prefix}.${GATEWAY_SLOT}`, '--label', `${LAB_LABEL}=1`, '--label', `${LAB_LABEL}.run=${run}`, `atpnl-${run}`]);
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
    const other = types.filter((t) => !NODE_KINDS.has(t) || !componentKind(t));
    if (other.length) return `the docker engine does not run component kind ${other.join(', ')} yet`;
    if (Object.values(plan.host.identities).some((i) => i?.proxyCredentials)) return 'the docker engine cannot give the host probe proxy credentials yet';
    if (plan.dns.some((n) => !n.component)) return 'the docker engine does not map DNS records with literal addresses yet';
    for (const c of plan.checks) {
      const u = new URL(c.url);
      if ((u.port && u.port !== '443') || u.pathname !== PING_PATH) return `the host probe checks https://HOST${PING_PATH} only (this plan checks ${c.url})`;
    }
    return undefined;
  },
  start: (plan, opts) => StartedDockerLab.start(plan, opts.pki),
};
