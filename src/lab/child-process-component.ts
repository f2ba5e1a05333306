/**
 * A lab component that is a real program (Squid, mitmdump): spawned with a generated config in
 * a per-run private folder, ready when its listen port accepts (bounded), stopped by PID
 * (SIGTERM, then SIGKILL after a bounded wait), and its folder removed. stderr is kept (the
 * newest bytes only) so a start failure says what the program said.
 *
 *   start ─▶ spawn(binary, args, cwd=dir) ─▶ poll address:port ─▶ ready │ exited early │ timeout
 *   stop  ─▶ SIGTERM pid ─▶ exit within graceMs? ─▶ else SIGKILL ─▶ rm -r dir
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { AtpNetlabError } from '../errors.js';
import { removeTempDir } from '../temp-dirs.js';

const STDERR_KEEP_BYTES = 16 * 1024;
const POLL_INTERVAL_MS = 30;

export interface ChildProcessOptions {
  /** What it is, for errors: `squid corp-proxy`. */
  what: string;
  binary: string;
  args: string[];
  /** The per-run folder holding the generated config; removed on stop. */
  dir: string;
  address: string;
  port: number;
  readyTimeoutMs: number;
  graceMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** The first of `candidates` that exists and is executable, or undefined. */
export function findBinary(candidates: readonly string[]): string | undefined {
  for (const c of candidates) {
    const paths = c.includes('/') ? [c] : (process.env.PATH ?? '').split(':').filter(Boolean).map((d) => `${d}/${c}`);
    for (const p of paths) {
      try {
        fs.accessSync(p, fs.constants.X_OK);
        return p;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export class ChildProcessComponent {
  private stderrText = '';
  private exited: Promise<void>;
  private exitCode: number | null = null;
  private stopped = false;

  private constructor(
    readonly opts: ChildProcessOptions,
    readonly child: ChildProcess,
  ) {
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrText = (this.stderrText + d.toString('utf8')).slice(-STDERR_KEEP_BYTES);
    });
    child.stdout?.on('data', () => undefined);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.exitCode = code ?? (signal ? 128 : null);
      resolve();
    }));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** Spawns and waits until address:port accepts; on failure the process is stopped and the folder removed. */
  static async start(opts: ChildProcessOptions, onStdout?: (chunk: Buffer) => void): Promise<ChildProcessComponent> {
    const child = spawn(opts.binary, opts.args, { cwd: opts.dir, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    const c = new ChildProcessComponent(opts, child);
    if (onStdout) child.stdout?.on('data', onStdout);
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    try {
      await c.waitReady(spawnError);
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  private async waitReady(spawnError: Promise<Error>): Promise<void> {
    const { address, port, readyTimeoutMs, what } = this.opts;
    const deadline = Date.now() + readyTimeoutMs;
    let failed: Error | undefined;
    void spawnError.then((e) => (failed = e));
    while (Date.now() < deadline) {
      if (failed) throw new AtpNetlabError('ATPNL_LAB_START_FAILED', `${what}: could not start ${this.opts.binary}: ${failed.message}`);
      if (this.exitCode !== null) throw new AtpNetlabError('ATPNL_LAB_START_FAILED', `${what}: ${this.opts.binary} exited with code ${this.exitCode} before listening: ${this.lastLines()}`);
      if (await accepts(address, port)) return;
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
    }
    throw new AtpNetlabError('ATPNL_LAB_START_FAILED', `${what}: not listening on ${address}:${port} within ${readyTimeoutMs} ms: ${this.lastLines()}`);
  }

  /** The last lines of stderr, for error messages. */
  lastLines(n = 6): string {
    return this.stderrText.trim().split('\n').slice(-n).join(' | ') || '(nothing on stderr)';
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const pid = this.child.pid;
    if (pid !== undefined && this.exitCode === null) {
      this.child.kill('SIGTERM');
      const grace = this.opts.graceMs ?? 3000;
      const timedOut = await Promise.race([this.exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), grace).unref())]);
      if (timedOut) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    }
    await removeTempDir(this.opts.dir);
  }
}

function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: address, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(500, () => done(false));
  });
}
