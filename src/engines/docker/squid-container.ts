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
import fs from 'node:fs';
import path from 'node:path';
import type { SquidDefinition } from '../../lab/kinds/squid-kind.js';
import type { PlannedComponent } from '../../lab/lab-plan.js';
import type { SquidRecord } from '../../lab/squid-access-log.js';
import { prepareSquid, readSquidRecords, type SquidEnvironment } from '../../lab/squid.js';
import { ProgramContainer } from './program-container.js';
import { squidImage, SQUID_USER } from './squid-image.js';

const READY_TIMEOUT_MS = 20_000;
/** Squid's cache.log line once a listening socket is open (plain and ssl-bump ports). */
const ACCEPTING = /Accepting .*connections at/;

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
    private readonly program: ProgramContainer,
    private readonly whoIs: (address: string) => string,
  ) {}

  get records(): SquidRecord[] {
    return readSquidRecords(this.accessLog, this.whoIs);
  }

  static async start(component: PlannedComponent, opts: SquidContainerOptions): Promise<DockerSquid> {
    const image = await squidImage();
    fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    const prepared = await prepareSquid(component.definition as SquidDefinition, opts.env, opts.dir, SQUID_USER);
    const cacheLog = path.join(opts.dir, 'cache.log');
    const program = await ProgramContainer.start({
      what: `squid ${component.name}`,
      container: opts.container,
      runArgs: opts.runArgs,
      dir: opts.dir,
      image,
      args: ['-N', '-f', prepared.confPath],
      readyTimeoutMs: READY_TIMEOUT_MS,
      ready: () => ACCEPTING.test(readText(cacheLog)),
      logTail: () => readText(cacheLog),
    });
    return new DockerSquid(opts.container, prepared.files.accessLog, prepared.config, program, opts.whoIs);
  }

  /** The container itself is removed with the lab's (label); this ends the attached `docker run`. */
  detach(): void {
    this.program.detach();
  }
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
