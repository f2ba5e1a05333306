/**
 * A `mitmproxy` component under the docker engine: Debian's mitmdump in a container of its own
 * (mitmproxy-image.ts), with the same folder and command line as in process (prepareMitmproxy:
 * confdir, addon, hosts, flow log), mounted at the same path; its records are its flow log.
 *
 *   ready: mitmdump says nothing when it listens at termlog_verbosity=warn, and no port can be
 *   polled from outside an internal network, so the image's own python3 connects from inside
 *   the container (docker exec), bounded.
 */
import fs from 'node:fs';
import type { MitmproxyDefinition } from '../../lab/kinds/mitmproxy-kind.js';
import type { PlannedComponent } from '../../lab/lab-plan.js';
import type { MitmproxyRecord } from '../../lab/mitmproxy-flow-log.js';
import { prepareMitmproxy, readMitmproxyRecords, type MitmproxyEnvironment } from '../../lab/mitmproxy.js';
import { dockerExit } from './docker-cli.js';
import { mitmproxyImage } from './mitmproxy-image.js';
import { ProgramContainer } from './program-container.js';

const READY_TIMEOUT_MS = 20_000;

export interface MitmproxyContainerOptions {
  runArgs: string[];
  container: string;
  dir: string;
  env: MitmproxyEnvironment;
  whoIs: (address: string) => string;
}

export class DockerMitmproxy {
  private constructor(
    readonly dir: string,
    private readonly program: ProgramContainer,
    private readonly whoIs: (address: string) => string,
  ) {}

  get records(): MitmproxyRecord[] {
    return readMitmproxyRecords(this.dir, this.whoIs);
  }

  static async start(component: PlannedComponent, opts: MitmproxyContainerOptions): Promise<DockerMitmproxy> {
    const image = await mitmproxyImage();
    fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    const def = component.definition as MitmproxyDefinition;
    const port = component.port;
    const args = await prepareMitmproxy(def, opts.env, opts.dir, port);
    const probe = `import socket; socket.create_connection((${JSON.stringify(opts.env.address)}, ${port}), 1).close()`;
    const program = await ProgramContainer.start({
      what: `mitmdump ${component.name}`,
      container: opts.container,
      runArgs: opts.runArgs,
      dir: opts.dir,
      env: { HOME: opts.dir },
      image,
      args,
      readyTimeoutMs: READY_TIMEOUT_MS,
      ready: async () => (await dockerExit(['exec', opts.container, '/usr/bin/python3', '-c', probe], { timeoutMs: 5_000 }).catch(() => ({ code: 1 }))).code === 0,
    });
    return new DockerMitmproxy(opts.dir, program, opts.whoIs);
  }

  detach(): void {
    this.program.detach();
  }
}
