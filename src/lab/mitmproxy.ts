/**
 * A real mitmdump as a lab middlebox: a confdir holding the lab inspection CA
 * (mitmproxy-ca.pem = key + certificate, which mitmproxy signs its forged leaves with), the
 * lab cloud root as its only upstream trust (or, trustsCloudCa: false, the inspection CA alone), the sensor's identity as `client_certs` for
 * mutual inspection, `ignore_hosts` for splice patterns, and an addon (mitmproxy-addon.ts)
 * that keeps every upstream connection inside the lab and writes the flow log read back as
 * records (mitmproxy-flow-log.ts). Started as a child process on the component's lab address.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { AtpNetlabError } from '../errors.js';
import { makeTempDir, removeTempDir } from '../temp-dirs.js';
import { ChildProcessComponent, findBinary } from './child-process-component.js';
import type { ComponentEnvironment } from './component-environment.js';
import type { StartedComponent } from './component-kind.js';
import type { TlsVersionBounds } from './kinds/middlebox-kind.js';
import { MITMDUMP_BINARIES, type MitmproxyDefinition } from './kinds/mitmproxy-kind.js';
import { MITMPROXY_ADDON_PY } from './mitmproxy-addon.js';
import { parseMitmproxyFlowLog, type MitmproxyRecord } from './mitmproxy-flow-log.js';

// Python and mitmproxy's imports take most of the ~0.8 s; a loaded CI machine needs more.
const READY_TIMEOUT_MS = 15_000;

/** `*.atp.azure.com` → a regex mitmproxy's ignore_hosts searches host names (and SNI) with. */
export function ignoreHostPattern(pattern: string): string {
  if (pattern === '*') return '.*';
  const bare = pattern.startsWith('*.') ? pattern.slice(2) : pattern;
  const escaped = bare.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return pattern.startsWith('*.') ? `(^|\\.)${escaped}$` : `^${escaped}$`;
}

const MITM_TLS: Record<string, string> = { TLSv1: 'TLS1', 'TLSv1.1': 'TLS1_1', 'TLSv1.2': 'TLS1_2', 'TLSv1.3': 'TLS1_3' };

function tlsOptions(side: 'client' | 'server', b: TlsVersionBounds | undefined): string[] {
  const out: string[] = [];
  if (b?.minTlsVersion) out.push('--set', `tls_version_${side}_min=${MITM_TLS[b.minTlsVersion]}`);
  if (b?.maxTlsVersion) out.push('--set', `tls_version_${side}_max=${MITM_TLS[b.maxTlsVersion]}`);
  return out;
}

/** mitmdump's command line for a definition (sans-IO apart from the paths it names). */
export function mitmdumpArgs(def: MitmproxyDefinition, address: string, port: number, dir: string): string[] {
  const args = [
    '--listen-host', address,
    '--listen-port', String(port),
    '--set', `confdir=${path.join(dir, 'conf')}`,
    '--set', `ssl_verify_upstream_trusted_ca=${path.join(dir, 'upstream-ca.pem')}`,
    '--set', 'flow_detail=0',
    '--set', 'termlog_verbosity=warn',
    '-s', path.join(dir, 'lab_only.py'),
    // The sensor side is mitmproxy's "client", the cloud side its "server".
    ...tlsOptions('client', def.sensorTls),
    ...tlsOptions('server', def.cloudTls),
  ];
  if (def.mode === 'intercept-mutual') args.push('--set', `client_certs=${path.join(dir, 'client.pem')}`);
  const ignore = def.mode === 'none' ? ['*'] : def.mode === 'splice' ? (def.spliceHosts ?? ['*.atp.azure.com']) : [];
  for (const p of ignore) args.push('--set', `ignore_hosts=${ignoreHostPattern(p)}`);
  return args;
}

export class StartedMitmproxy implements StartedComponent {
  private constructor(
    readonly port: number,
    readonly process: ChildProcessComponent,
    readonly dir: string,
    readonly args: string[],
    private readonly env: ComponentEnvironment,
  ) {}

  get flowLog(): string {
    return path.join(this.dir, 'flows.jsonl');
  }

  /** mitmproxy's flow log, parsed afresh: a CONNECT is written when its client goes away. */
  get records(): MitmproxyRecord[] {
    return readMitmproxyRecords(this.dir, (a) => this.env.whoIs(a));
  }

  static async start(def: MitmproxyDefinition, env: ComponentEnvironment): Promise<StartedMitmproxy> {
    const binary = findBinary(MITMDUMP_BINARIES);
    if (!binary) throw new AtpNetlabError('ATPNL_ENVIRONMENT', 'mitmdump is not installed (apt-get install mitmproxy)');
    const port = def.port ?? 8080;
    const dir = await makeTempDir(`mitmproxy-${env.name}`);
    try {
      const args = await prepareMitmproxy(def, env, dir, port);
      // No proxy variables (mitmproxy would not use them, but nothing should point outside), and
      // HOME in the folder so nothing is written to the user's ~/.mitmproxy.
      const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' };
      const child = await ChildProcessComponent.start({ what: `mitmdump ${env.name}`, binary, args, dir, address: env.address, port, readyTimeoutMs: READY_TIMEOUT_MS, env: childEnv });
      return new StartedMitmproxy(port, child, dir, args, env);
    } catch (e) {
      await removeTempDir(dir);
      throw e;
    }
  }

  stop(): Promise<void> {
    return this.process.stop();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** What the environment must say for mitmdump's folder (an engine without a live environment builds this much). */
export type MitmproxyEnvironment = Pick<ComponentEnvironment, 'address' | 'pki' | 'dnsTable'>;

/**
 * mitmdump's folder: the confdir with the inspection CA (0600), the cloud root, the sensor's
 * identity for mutual inspection (0600), the lab's hosts, the addon and an empty flow log;
 * returns its command line. Every path is under `dir`, so an engine that mounts `dir` at the
 * same path in a container (docker) runs the same command line.
 */
export async function prepareMitmproxy(def: MitmproxyDefinition, env: MitmproxyEnvironment, dir: string, port: number): Promise<string[]> {
  const pki = env.pki;
  await fsp.mkdir(path.join(dir, 'conf'), { mode: 0o700 });
  await fsp.writeFile(path.join(dir, 'conf', 'mitmproxy-ca.pem'), pki.middleboxCa.keyPem.trim() + '\n' + pki.middleboxCa.certPem.trim() + '\n', { mode: 0o600 });
  // Its only upstream trust: the lab cloud root, or (trustsCloudCa: false) a set without it.
  await fsp.writeFile(path.join(dir, 'upstream-ca.pem'), def.trustsCloudCa === false ? pki.middleboxCa.certPem : pki.trustedRoot.certPem);
  if (def.mode === 'intercept-mutual') await fsp.writeFile(path.join(dir, 'client.pem'), pki.clientCert.chainPem.trim() + '\n' + pki.clientCert.keyPem.trim() + '\n', { mode: 0o600 });
  await fsp.writeFile(path.join(dir, 'hosts.json'), JSON.stringify({ address: env.address, hosts: Object.fromEntries(env.dnsTable()) }));
  await fsp.writeFile(path.join(dir, 'lab_only.py'), MITMPROXY_ADDON_PY);
  await fsp.writeFile(path.join(dir, 'flows.jsonl'), '');
  return mitmdumpArgs(def, env.address, port, dir);
}

/** mitmproxy's flow log, parsed afresh (a CONNECT is written when its client goes away). */
export function readMitmproxyRecords(dir: string, whoIs: (address: string) => string): MitmproxyRecord[] {
  let text = '';
  try {
    text = fs.readFileSync(path.join(dir, 'flows.jsonl'), 'utf8');
  } catch {
    // not written yet
  }
  return parseMitmproxyFlowLog(text, whoIs);
}
