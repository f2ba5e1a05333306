/**
 * A real Squid as a lab component: config from the definition (squid-config.ts), files in a
 * private per-run folder, started as a child process (`-N`, no daemon) on the component's lab
 * address, its access log read back as records (squid-access-log.ts).
 *
 * Squid refuses to run as root, so as root it drops to `proxy`, and the folder and every file
 * it reads are handed to that user (keys stay 0600).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { AtpNetlabError } from '../errors.js';
import { makeTempDir, removeTempDir } from '../temp-dirs.js';
import { ChildProcessComponent, findBinary } from './child-process-component.js';
import type { ComponentEnvironment } from './component-environment.js';
import type { StartedComponent } from './component-kind.js';
import { isMiddleboxDefinition, SQUID_BINARIES, type SquidDefinition } from './kinds/squid-kind.js';
import { parseSquidAccessLog, type SquidRecord } from './squid-access-log.js';
import { SQUID_BLOCK_PAGE } from './squid-answers.js';
import { squidCustomerConfig, squidForwardProxyConfig, squidMiddleboxConfig, type SquidFiles, type SquidLabSide } from './squid-config.js';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 10_000;
const CERTGEN = '/usr/lib/squid/security_file_certgen';
const SQUID_USER = 'proxy';
const SQUID_TEMPLATES = '/usr/share/squid/errors/templates';

export class StartedSquid implements StartedComponent {
  private constructor(
    readonly port: number,
    readonly process: ChildProcessComponent,
    readonly files: SquidFiles,
    readonly config: string,
    private readonly env: ComponentEnvironment,
  ) {}

  /** Squid's access log, parsed afresh: Squid writes a line when a transaction ends. */
  get records(): SquidRecord[] {
    return readSquidRecords(this.files.accessLog, (a) => this.env.whoIs(a));
  }

  static async start(def: SquidDefinition, env: ComponentEnvironment): Promise<StartedSquid> {
    const binary = findBinary(SQUID_BINARIES);
    if (!binary) throw new AtpNetlabError('ATPNL_ENVIRONMENT', 'squid is not installed (apt-get install squid-openssl)');
    const dir = await makeTempDir(`squid-${env.name}`);
    try {
      const root = process.getuid?.() === 0;
      const { port, files, config, confPath } = await prepareSquid(def, env, dir, root ? SQUID_USER : undefined);
      const child = await ChildProcessComponent.start({ what: `squid ${env.name}`, binary, args: ['-N', '-f', confPath], dir, address: env.address, port, readyTimeoutMs: READY_TIMEOUT_MS });
      return new StartedSquid(port, child, files, config, env);
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

/** Squid's access log, parsed afresh (Squid writes a line when a transaction ends); empty before the first. */
export function readSquidRecords(accessLog: string, whoIs: (address: string) => string): SquidRecord[] {
  let text = '';
  try {
    text = fs.readFileSync(accessLog, 'utf8');
  } catch {
    // not written yet
  }
  return parseSquidAccessLog(text, whoIs);
}

async function writePrivate(file: string, text: string): Promise<void> {
  await fsp.writeFile(file, text, { mode: 0o600 });
}

/** `user:$apr1$…` made by `openssl passwd -apr1`, the password on stdin (never on a command line). */
async function htpasswdLine(user: string, password: string): Promise<string> {
  const hash = await new Promise<string>((resolve, reject) => {
    const child = execFile('openssl', ['passwd', '-apr1', '-stdin'], (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
    child.stdin?.end(password + '\n');
  });
  return `${user}:${hash}\n`;
}

async function chownTree(dir: string, user: string): Promise<void> {
  const { uid, gid } = userIds(user);
  const walk = async (p: string): Promise<void> => {
    await fsp.chown(p, uid, gid);
    if ((await fsp.stat(p)).isDirectory()) for (const e of await fsp.readdir(p)) await walk(path.join(p, e));
  };
  await walk(dir);
}

function userIds(user: string): { uid: number; gid: number } {
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
  if (!line) throw new AtpNetlabError('ATPNL_ENVIRONMENT', `user ${user} does not exist (the squid package creates it)`);
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

/** What the environment must say for a Squid's files and config (an engine without a live environment builds this much). */
export type SquidEnvironment = Pick<ComponentEnvironment, 'name' | 'address' | 'pki' | 'dnsTable' | 'endpointOf'>;

export interface PreparedSquid {
  port: number;
  files: SquidFiles;
  config: string;
  confPath: string;
}

/**
 * Squid's folder: squid.conf from the definition, the hosts file, keys (0600), the certificate
 * db, the block page, the htpasswd. Every path in the config is under `dir`, so an engine that
 * mounts `dir` at the same path in a container (docker) runs the same config. With
 * `effectiveUser`, Squid (started as root) drops to that user, who then owns the folder.
 */
export async function prepareSquid(def: SquidDefinition, env: SquidEnvironment, dir: string, effectiveUser?: string): Promise<PreparedSquid> {
  const port = def.port ?? 8080;
  const files: SquidFiles = { dir, hostsFile: path.join(dir, 'hosts'), accessLog: path.join(dir, 'access.log') };
  await fsp.writeFile(files.hostsFile, env.dnsTable().map(([name, address]) => `${address} ${name}`).join('\n') + '\n');
  await fsp.writeFile(files.accessLog, '');
  const parentName = !isMiddleboxDefinition(def) ? def.upstream : undefined;
  const lab: SquidLabSide = {
    address: env.address,
    port,
    // Squid's own address, where no DNS server listens: a name not in the hosts file fails
    // fast and no query leaves the lab.
    deadResolver: env.address,
    ...(parentName ? { parent: env.endpointOf(parentName)! } : {}),
    ...(effectiveUser ? { effectiveUser } : {}),
  };
  let config: string;
  if (isMiddleboxDefinition(def)) {
    const pki = env.pki;
    Object.assign(files, { caPem: path.join(dir, 'ca.pem'), caKey: path.join(dir, 'ca.key'), cloudRootPem: path.join(dir, 'upstream-ca.pem'), certDb: path.join(dir, 'ssl_db') });
    await writePrivate(files.caPem!, pki.middleboxCa.certPem);
    await writePrivate(files.caKey!, pki.middleboxCa.keyPem);
    // tls_outgoing_options cafile=: the lab cloud root, or (trustsCloudCa: false) a set without it.
    await fsp.writeFile(files.cloudRootPem!, def.trustsCloudCa === false ? pki.middleboxCa.certPem : pki.trustedRoot.certPem);
    if (def.mode === 'intercept-mutual') {
      Object.assign(files, { clientCertPem: path.join(dir, 'client.pem'), clientKeyPem: path.join(dir, 'client.key') });
      await fsp.writeFile(files.clientCertPem!, pki.clientCert.chainPem);
      await writePrivate(files.clientKeyPem!, pki.clientCert.keyPem);
    }
    if (def.blockPage) {
      files.errorDir = path.join(dir, 'errors');
      await fsp.mkdir(files.errorDir);
      // error_directory replaces every template, so Squid's own go beside the page: its other
      // errors (a spliced host that fails, say) keep their usual pages.
      if (fs.existsSync(SQUID_TEMPLATES)) await fsp.cp(SQUID_TEMPLATES, files.errorDir, { recursive: true });
      await fsp.writeFile(path.join(files.errorDir, SQUID_BLOCK_PAGE), def.blockPage.body);
    }
    if (def.mode !== 'none') await run(CERTGEN, ['-c', '-s', files.certDb!, '-M', '4MB']);
    config = squidMiddleboxConfig(def, lab, files);
  } else {
    if (def.auth && def.auth !== 'none') {
      files.htpasswd = path.join(dir, 'htpasswd');
      await writePrivate(files.htpasswd, await htpasswdLine(def.credentials?.username ?? 'sensor', def.credentials?.password ?? 'sensor'));
    }
    config = def.configText !== undefined ? squidCustomerConfig(def.configText, lab, files) : squidForwardProxyConfig(def, lab, files);
  }
  const confPath = path.join(dir, 'squid.conf');
  await fsp.writeFile(confPath, config);
  if (effectiveUser) await chownTree(dir, effectiveUser);
  return { port, files, config, confPath };
}
