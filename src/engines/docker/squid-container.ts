/**
 * A `squid` component under the docker engine: Debian's Squid in a container of its own
 * (squid-image.ts), configured by the same squid-config.ts as in process, its records read
 * from its own access log (squid-access-log.ts).
 *
 *   this machine: <run dir>/squid-<slot>/  squid.conf, hosts, keys (0600), ssl_db, access.log
 *        │  bind-mounted at the SAME path, so every path in squid.conf holds in both places
 *        ▼
 *   container atpnl-<run>-c<slot> (atp-netlab/squid, --ip <lab address>):
 *        /usr/sbin/squid -N -f <run dir>/squid-<slot>/squid.conf   (as root → cache_effective_user proxy)
 *        ready when its cache.log says "Accepting … connections at" (read here: no port poll
 *        is possible from outside an internal network)
 *   records(): access.log parsed here, the client address named by the lab's endpoints
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { AtpNetlabError } from '../../errors.js';
import type { SquidDefinition } from '../../lab/kinds/squid-kind.js';
import type { PlannedComponent } from '../../lab/lab-plan.js';
import type { SquidRecord } from '../../lab/squid-access-log.js';
import { prepareSquid, readSquidRecords, type SquidEnvironment } from '../../lab/squid.js';
import { squidImage, SQUID_USER } from './squid-image.js';

const READY_TIMEOUT_MS = 20_000;
const POLL_INTERVAL_MS = 50;
/** Squid's cache.log line once a listening socket is open (plain and ssl-bump ports). */
const ACCEPTING = /Accepting .*connections at/;
const KEEP_BYTES = 16 * 1024;

export interface SquidContainerOptions {
  /** `docker run` up to the image: name, network, --ip, labels (the engine's, for prune). */
  runArgs: string[];
  container: string;
  /** This run's folder for the Squid (on this machine; mounted at the same path). */
  dir: string;
  env: SquidEnvironment;
  whoIs: (address: string) => string;
}

export class DockerSquid {
  private constructor(
    readonly container: string,
    readonly accessLog: string,
    readonly config: string,
    private readonly child: ChildProcess,
    private readonly whoIs: (address: string) => string,
  ) {}

  get records(): SquidRecord[] {
    return readSquidRecords(this.accessLog, this.whoIs);
  }

  static async start(component: PlannedComponent, opts: SquidContainerOptions): Promise<DockerSquid> {
    const image = await squidImage();
    fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    const prepared = await prepareSquid(component.definition as SquidDefinition, opts.env, opts.dir, SQUID_USER);
    const args = [...opts.runArgs, '-v', `${opts.dir}:${opts.dir}`, image, '-N', '-f', prepared.confPath];
    const child = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let said = '';
    const keep = (d: Buffer) => (said = (said + d.toString()).slice(-KEEP_BYTES));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    let exit: string | undefined;
    child.once('exit', (code) => (exit = `exited ${code}`));
    child.once('error', (e) => (exit = e.message));
    const cacheLog = path.join(opts.dir, 'cache.log');
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const log = readText(cacheLog);
      if (ACCEPTING.test(log)) break;
      const why = exit ?? (Date.now() > deadline ? `no "Accepting" line in its cache.log within ${READY_TIMEOUT_MS} ms` : undefined);
      if (why) {
        child.kill();
        const tail = (log + said).trim().split('\n').slice(-4).join(' | ');
        throw new AtpNetlabError('ATPNL_LAB_START_FAILED', `docker engine: squid ${component.name} in ${opts.container} did not start (${why}): ${tail || '(nothing logged)'}`);
      }
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
    }
    return new DockerSquid(opts.container, prepared.files.accessLog, prepared.config, child, opts.whoIs);
  }

  /** The container itself is removed with the lab's (label); this ends the attached `docker run`. */
  detach(): void {
    this.child.kill();
  }
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
