/**
 * A lab component that is a real program (Squid, mitmdump) in a container of its own: its
 * folder prepared on this machine and bind-mounted at the SAME path, so every path in its
 * config or command line holds in both places (and its logs are read here as records).
 *
 *   docker run (attached) <runArgs> -v DIR:DIR [-e …] IMAGE ARGS…
 *     ─▶ poll ready() every POLL_INTERVAL_MS ─▶ ready │ exited first │ timeout (bounded)
 *   detach(): ends the attached `docker run`; the container goes with the lab's (label).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { AtpNetlabError } from '../../errors.js';

const POLL_INTERVAL_MS = 50;
const KEEP_BYTES = 16 * 1024;

export interface ProgramContainerOptions {
  /** `squid corp-proxy`, for errors. */
  what: string;
  container: string;
  /** `docker run` up to the image: name, network, --ip, labels (the engine's, for prune). */
  runArgs: string[];
  /** The folder mounted at its own path (read-write). */
  dir: string;
  env?: Record<string, string>;
  image: string;
  args: string[];
  readyTimeoutMs: number;
  /** True once the program serves (it reads a log in `dir`, or asks inside the container). */
  ready: () => boolean | Promise<boolean>;
  /** What it said so far, for the error when it does not get ready. */
  logTail?: () => string;
}

export class ProgramContainer {
  private constructor(private readonly child: ChildProcess) {}

  static async start(o: ProgramContainerOptions): Promise<ProgramContainer> {
    const envArgs = Object.entries(o.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const child = spawn('docker', [...o.runArgs, '-v', `${o.dir}:${o.dir}`, ...envArgs, o.image, ...o.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let said = '';
    const keep = (d: Buffer) => (said = (said + d.toString()).slice(-KEEP_BYTES));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    let exit: string | undefined;
    child.once('exit', (code) => (exit = `exited ${code}`));
    child.once('error', (e) => (exit = e.message));
    const deadline = Date.now() + o.readyTimeoutMs;
    while (!(await o.ready())) {
      const why = exit ?? (Date.now() > deadline ? `not serving within ${o.readyTimeoutMs} ms` : undefined);
      if (why) {
        child.kill();
        const tail = `${o.logTail?.() ?? ''}\n${said}`.trim().split('\n').slice(-4).join(' | ');
        throw new AtpNetlabError('ATPNL_LAB_START_FAILED', `docker engine: ${o.what} in ${o.container} did not start (${why}): ${tail || '(nothing logged)'}`);
      }
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
    }
    return new ProgramContainer(child);
  }

  detach(): void {
    this.child.kill();
  }
}
