/**
 * `atp-netlab lab up --scenario FILE`: start a scenario's lab and keep it running for manual
 * tests (a browser, curl, the real `atp-netlab probe`, a sensor in a VM pointed at it) until
 * SIGINT/SIGTERM, then stop every component.
 *
 * What it prints is everything an outside client needs, since it cannot use the lab's
 * in-process DNS: component addresses, a hosts-file fragment (also written to a file), the
 * trust bundle, the enrolled sensor certificate, the host's registry as a .reg export, and a
 * ready-to-paste `atp-netlab probe` command that is judged like the lab judges (lab root
 * expected, authenticated call with the sensor's certificate).
 *
 * Limits of an outside client, said in the printed notes, come from the engine (in process:
 * the egress firewall and the transparent proxy's diversion live in the host's transport; a
 * lab without the privilege to bind 443/80 maps those ports, and the printed commands carry
 * the mapping: curl --connect-to, probe --resolve host:address:port).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { AtpNetlabError } from '../../errors.js';
import { DEFAULT_ENGINE, engineByName, type StartedEngineLab } from '../../engines/index.js';
import { AUTH_CHECK_PATH } from '../../lab/mock-cloud.js';
import { CONNECTIONS_SUBKEY, IDENTITIES, IDENTITY_INFO } from '../../identity.js';
import { LabPki, defaultPkiDir } from '../../pki/index.js';
import { MemoryRegistryStore } from '../../registry/memory-registry-store.js';
import { encodeRegText } from '../../registry/reg-file-writer.js';
import { compileScenario } from '../../scenario/compile-plan.js';
import { loadScenarioFile, type LoadedScenario } from '../../scenario/load-scenario.js';
import { scenarioPathFor } from '../scenario-by-name.js';
import { DEFAULT_WORKSPACE } from '../../scenario/scenario-lab.js';
import { MACHINE_CONNECTIONS_KEY, PROXY_POLICY_KEY } from '../../wininet/read-state.js';
import type { RegisterCommand } from './index.js';
import { ALLOW_ROOT_HELP, collectPath } from './run.js';
import { shellQuote } from '../../shell-quote.js';
import { makeTempDir, removeTempDir } from '../../temp-dirs.js';
import type { ProbeCommandOptions } from './probe.js';
import { CONTROL_SOCKET_NAME, startControlServer, type ControlServer } from './lab-control.js';
import { CONTROL_ENV } from './lab-fault.js';
import { hostTrustPems } from '../../engines/host-trust.js';

export interface LabUpOptions {
  /** Lab PKI cache directory (default $ATP_NETLAB_CERTS, else <user cache>/certs). */
  certs?: string;
  /** Where the hosts fragment and the registry export go; default a new temporary directory (removed on stop). */
  workDir?: string;
  /** Engine name (default inproc). */
  engine?: string;
  /** `--allow-root` folders for the scenario's fixtures. */
  allowRoots?: readonly string[];
}

export interface RunningLab extends AsyncDisposable {
  loaded: LoadedScenario;
  lab: StartedEngineLab;
  pki: LabPki;
  /** Directory holding hosts.txt and host.reg. */
  dir: string;
  hostsFile: string;
  /** The simulated host's connection settings as a .reg export, when it has any. */
  regFile?: string;
  trustBundle: string;
  clientCertFile?: string;
  clientKeyFile?: string;
  /** The probe command's options (for in-process use) and its argv (after `atp-netlab`). */
  probeOptions: ProbeCommandOptions;
  probeArgv: string[];
  /** The control socket (`lab fault add|remove|list`), when the engine can change faults. */
  controlSocket?: string;
  /** The text `lab up` prints. */
  summary: string;
  stop(): Promise<void>;
}

function commonName(subject: string): string {
  return /CN=([^,\n]+)/.exec(subject)?.[1]?.trim() ?? subject;
}

export { shellQuote };

export async function startLabForScenario(file: string, opts: LabUpOptions = {}): Promise<RunningLab> {
  const loaded = await loadScenarioFile(scenarioPathFor(file), { allowRoots: opts.allowRoots ?? [] });
  const s = loaded.scenario;
  const pki = await LabPki.load(opts.certs ?? defaultPkiDir());
  const engine = engineByName(opts.engine ?? DEFAULT_ENGINE);
  const missing = await engine.prerequisites();
  if (missing.length) throw new AtpNetlabError('ATPNL_USAGE', `engine ${engine.name} is not ready: ${missing.join('; ')}`);
  const { plan } = await compileScenario(loaded);
  const unsupported = engine.unsupported(plan);
  if (unsupported) throw new AtpNetlabError('ATPNL_USAGE', `engine ${engine.name} cannot run scenario ${s.name}: ${unsupported}`);
  const ownDir = opts.workDir === undefined;
  const dir = opts.workDir ?? (await makeTempDir(`lab-${s.name}`));
  await fs.mkdir(dir, { recursive: true });
  let lab: StartedEngineLab | undefined;
  let control: ControlServer | undefined;
  try {
    // The host's registry exactly as `run` builds it (imports, declarative blobs, proxy-copy),
    // exported so the outside probe reads the same blobs with --reg.
    const registry = new MemoryRegistryStore();
    for (const text of Object.values(plan.host.hives)) await registry.importReg(text);
    let regText: string | undefined;
    const keys = [...IDENTITIES.map((i) => `${IDENTITY_INFO[i].hive}\\${CONNECTIONS_SUBKEY}`), MACHINE_CONNECTIONS_KEY, PROXY_POLICY_KEY];
    const present: string[] = [];
    for (const k of keys) if (await registry.keyExists(k)) present.push(k);
    if (present.length) regText = await registry.exportKeys(present);
    lab = await engine.start(plan, { pki });
    const started = lab;
    if (started.faults) control = await startControlServer(path.join(dir, CONTROL_SOCKET_NAME), started.faults);
    const endpoints = started.endpoints();
    const mapped = endpoints.filter((e) => e.port !== e.boundPort);

    const hostsFile = path.join(dir, 'hosts.txt');
    const dnsLines = started.dnsTable().map(([name, addr]) => `${addr} ${name}`);
    await fs.writeFile(hostsFile, `# atp-netlab lab "${s.name}": lab DNS names (hosts-file format)\n${dnsLines.join('\n')}\n`);
    let regFile: string | undefined;
    if (regText !== undefined) {
      regFile = path.join(dir, 'host.reg');
      await fs.writeFile(regFile, encodeRegText(regText, 'regedit5'));
    }
    const trustsMiddlebox = s.host.trust.includes('middlebox-ca');
    // A customer's inspection CA (inspectionCa) is not in the lab PKI's bundles: write this lab's own.
    let trustBundle = pki.trustBundlePath(trustsMiddlebox ? 'cloud+middlebox' : 'cloud');
    if (trustsMiddlebox && plan.host.middleboxCa) {
      trustBundle = path.join(dir, 'trust-bundle.pem');
      await fs.writeFile(trustBundle, hostTrustPems(plan.host, pki).join(''));
    }
    const sensorCert = s.host.identities.LocalService?.clientCert ?? 'enrolled';
    const certRole = sensorCert === 'enrolled' ? 'client-cert' : sensorCert === 'unenrolled' ? 'unenrolled-client-cert' : undefined;
    const clientCertFile = certRole ? path.join(pki.dir, `${certRole}.pem`) : undefined;
    const clientKeyFile = certRole ? path.join(pki.dir, `${certRole}.key`) : undefined;
    const expectRoot = commonName(pki.trustedRoot.subject);

    const editions = s.editions ?? (s.region ? ['seed-2018', 'workspace'] : ['workspace']);
    const probeOptions: ProbeCommandOptions = {
      workspace: s.workspace ?? DEFAULT_WORKSPACE,
      ...(s.region ? { region: s.region, edition: editions } : {}),
      ...(s.cloud ? { cloud: s.cloud } : {}),
      ...(s.extraHosts.length ? { extraHost: s.extraHosts } : {}),
      identity: 'LocalService',
      ...(regFile ? { reg: regFile } : {}),
      hosts: hostsFile,
      // Mapped ports: every lab name of a mapped endpoint is pinned with the port that answers.
      ...(mapped.length ? { resolve: mapped.flatMap((e) => e.dnsNames.map((n) => `${n}:${e.address}:${e.boundPort}`)) } : {}),
      dnsSuffix: [plan.domain],
      ca: [trustBundle],
      expectRoot: [expectRoot],
      ...(clientCertFile && clientKeyFile ? { clientCert: clientCertFile, clientKey: clientKeyFile } : {}),
      authPath: AUTH_CHECK_PATH,
    };
    const probeArgv = probeArgvOf(probeOptions);

    const lines: string[] = [];
    lines.push(`Lab for scenario "${s.name}" (${loaded.file})`);
    lines.push('');
    lines.push('Components:');
    const nameWidth = Math.max(...endpoints.map((c) => c.name.length));
    for (const c of endpoints) {
      const port = c.port ? `:${c.port}${c.boundPort !== c.port ? ` (bound on :${c.boundPort})` : ''}` : '';
      lines.push(`  ${c.name.padEnd(nameWidth)}  ${c.type.padEnd(17)}  ${c.address}${port}${c.dnsNames.length ? `  (${c.dnsNames.join(', ')})` : ''}`);
    }
    lines.push('');
    lines.push(`Hosts-file fragment (written to ${hostsFile}):`);
    for (const l of dnsLines) lines.push(`  ${l}`);
    lines.push('');
    lines.push(`Trust bundle:       ${trustBundle}${trustsMiddlebox ? ' (lab cloud root + middlebox CA: the scenario\'s host trusts the middlebox)' : ' (lab cloud root)'}`);
    if (clientCertFile && clientKeyFile) {
      lines.push(`Sensor certificate: ${clientCertFile}`);
      lines.push(`Sensor key:         ${clientKeyFile}`);
    } else lines.push("Sensor certificate: none (the scenario's LocalService presents no certificate)");
    lines.push(`Host registry:      ${regFile ?? '(the scenario sets no connection settings: every identity goes direct)'}`);
    lines.push('');
    lines.push('Probe this lab from outside the process (as LocalService; --identity LocalSystem or CurrentUser for the others):');
    lines.push(`  atp-netlab ${probeArgv.map(shellQuote).join(' ')}`);
    const lsProxy = s.host.identities.LocalService?.proxy;
    if (lsProxy && regFile) {
      // The same check from the proxy string alone, as an admin would type it.
      const { reg: _reg, ...rest } = probeOptions;
      lines.push("  or, with LocalService's proxy string alone:");
      lines.push(`  atp-netlab ${probeArgvOf({ ...rest, proxy: lsProxy }).map(shellQuote).join(' ')}`);
    }
    lines.push('');
    // curl as an outside check, nobody's code but curl's: --connect-to carries a mapped port.
    const cloudEp = endpoints.find((e) => e.type === 'cloud-endpoint' && e.dnsNames.length);
    if (cloudEp) {
      const name = cloudEp.dnsNames[0]!;
      lines.push(`  curl${cloudEp.boundPort !== cloudEp.port ? ' (443 is mapped: this process may not bind it)' : ''}:`);
      lines.push(`  curl --cacert ${shellQuote(trustBundle)} --connect-to ${name}:443:${cloudEp.address}:${cloudEp.boundPort} https://${name}/tri/sensor/api/ping`);
    }
    lines.push('');
    if (control) {
      lines.push(`Faults (control socket ${control.path}, mode 0600):`);
      lines.push(`  export ${CONTROL_ENV}=${shellQuote(control.path)}`);
      lines.push('  atp-netlab lab fault list');
      lines.push("  atp-netlab lab fault add '{ type: latency, link: proxy->cloud, latencyMs: 300 }'");
      lines.push('  atp-netlab lab fault remove latency_downstream');
      lines.push('');
    }
    lines.push('Notes:');
    for (const n of started.outsideNotes()) lines.push(`  - ${n}`);
    lines.push('  - Names missing from the hosts fragment resolve through the system resolver (the lab DNS answers only in-process).');
    if (s.revocation !== 'off') lines.push(`  - The scenario checks the revocation hosts (revocation: ${s.revocation}); the real-mode probe does not, so it cannot show TLS_REVOCATION_UNREACHABLE.`);
    if (Object.values(s.host.identities).some((i) => i?.proxyCredentials)) {
      lines.push('  - Proxy credentials of the scenario are not printed; pass them with --proxy http://user:pass@host:port --identity CurrentUser.');
    }
    lines.push('  - Compare with the in-process result: atp-netlab run ' + shellQuote(loaded.file));
    const summary = lines.join('\n') + '\n';

    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await control?.close();
      await started.stop();
      if (ownDir) await removeTempDir(dir);
    };
    return {
      loaded,
      lab: started,
      pki,
      dir,
      hostsFile,
      ...(regFile ? { regFile } : {}),
      trustBundle,
      ...(clientCertFile ? { clientCertFile } : {}),
      ...(clientKeyFile ? { clientKeyFile } : {}),
      ...(control ? { controlSocket: control.path } : {}),
      probeOptions,
      probeArgv,
      summary,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (e) {
    await control?.close();
    await lab?.stop();
    if (ownDir) await removeTempDir(dir);
    throw e;
  }
}

/** `probe` options → the argv that parses back to them. */
export function probeArgvOf(o: ProbeCommandOptions): string[] {
  const argv = ['probe'];
  const one = (flag: string, v: string | undefined) => {
    if (v !== undefined) argv.push(flag, v);
  };
  const many = (flag: string, vs: string[] | undefined) => {
    for (const v of vs ?? []) argv.push(flag, v);
  };
  one('--workspace', o.workspace);
  one('--region', o.region);
  one('--cloud', o.cloud);
  many('--edition', o.edition);
  many('--extra-host', o.extraHost);
  one('--identity', o.identity);
  one('--reg', o.reg);
  one('--proxy', o.proxy);
  one('--pac', o.pac);
  one('--sensor-config', o.sensorConfig);
  one('--hosts', o.hosts);
  many('--resolve', o.resolve);
  many('--dns-suffix', o.dnsSuffix);
  many('--ca', o.ca);
  many('--expect-root', o.expectRoot);
  one('--client-cert', o.clientCert);
  one('--client-key', o.clientKey);
  one('--auth-path', o.authPath);
  if (o.timeoutMs !== undefined) one('--timeout-ms', String(o.timeoutMs));
  if (o.json) argv.push('--json');
  return argv;
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export const registerLabUp: RegisterCommand = (program) => {
  // Other `lab` subcommands may register the parent too: share it.
  const lab = program.commands.find((c) => c.name() === 'lab') ?? program
      .command('lab')
      .description('work with a scenario\'s lab outside a run')
      .addHelpText('after', '\nExamples:\n  atp-netlab lab up --scenario scenarios/inspection-intercept-no-mutual.yaml   # Ctrl-C stops it\n  atp-netlab lab up --help   # what it prints: addresses, hosts fragment, trust bundle, a probe command');
  lab
    .command('up')
    .description("start a scenario's lab and keep it running for manual tests, until Ctrl+C")
    .requiredOption('--scenario <file>', 'scenario file (YAML)')
    .option('--certs <dir>', 'lab PKI cache directory', defaultPkiDir())
    .option('--engine <name>', 'where the lab runs: inproc (default) or docker', DEFAULT_ENGINE)
    .option('--allow-root <dir>', ALLOW_ROOT_HELP, collectPath)
    .addHelpText('after', '\nExample:\n  atp-netlab lab up --scenario scenarios/proxy-auth-required.yaml\n  (then paste the printed `atp-netlab probe ...` command in another terminal)')
    .action(async (o: { scenario: string; certs: string; engine: string; allowRoot?: string[] }) => {
      const running = await startLabForScenario(o.scenario, { certs: o.certs, engine: o.engine, allowRoots: o.allowRoot ?? [] });
      const signal = untilSignal();
      process.stdout.write(running.summary);
      process.stdout.write(`\natp-netlab: lab "${running.loaded.scenario.name}" is up; press Ctrl+C to stop\n`);
      const sig = await signal;
      process.stderr.write(`atp-netlab: ${sig}: stopping the lab\n`);
      await running.stop();
      process.stderr.write('atp-netlab: lab stopped\n');
    });
};
