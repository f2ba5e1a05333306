/**
 * Wine as an independent implementation of regedit, reg.exe, WinHTTP, WinINET and the MSVCRT
 * argv parser, for the Wine suite (test/wine/*.test.ts). Nobody here wrote any of it.
 *
 *   test ──execFile──▶ unshare -n wine <program>  ──▶ wineserver -p (persistent, own netns)
 *                       (private network namespace:       │
 *                        only a down loopback, nothing    └─ registry of a per-suite
 *                        can leave the machine)              WINEPREFIX in a temp folder
 *
 * Each test file boots its own WINEPREFIX once (beforeAll, ~10 s) and removes it afterwards.
 * The wineserver is started persistent (`-p`) because Wine keeps HKU\S-1-5-18 and
 * HKU\S-1-5-19 only in memory: without it they vanish 3 s after the last Wine process.
 * Where wine, the MinGW compiler or a network namespace is missing, `wineSkipReason()` says
 * which, and the suite skips every test with that reason (a skip is never a pass).
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { commandRegRunner, WindowsRegistryStore, type RegRunner } from '../../src/registry/index.js';

const C_DIR = path.resolve('test/wine/c');

export interface WineResult {
  code: number;
  stdout: string;
  stderr: string;
}

function has(binary: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function works(cmd: string[]): boolean {
  try {
    execFileSync(cmd[0]!, cmd.slice(1), { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

let probed: { reason?: string; netns: string[] } | undefined;

/** How to enter a private network namespace here: `unshare -n` as root, `unshare -rn` otherwise. */
function probe(): { reason?: string; netns: string[] } {
  if (probed) return probed;
  const missing = ['wine', 'wineserver', 'x86_64-w64-mingw32-gcc', 'unshare'].filter((b) => !has(b));
  if (missing.length) {
    probed = { reason: `${missing.join(', ')} not found (apt-get install wine wine64 gcc-mingw-w64-x86-64; .ci/run does)`, netns: [] };
  } else if (works(['unshare', '-n', 'true'])) probed = { netns: ['unshare', '-n'] };
  else if (works(['unshare', '-rn', 'true'])) probed = { netns: ['unshare', '-rn'] };
  else probed = { reason: 'cannot create a private network namespace (unshare -n and unshare -rn both fail), so Wine is not run', netns: [] };
  return probed;
}

/** Why the Wine suite cannot run here, or undefined when it can. */
export function wineSkipReason(): string | undefined {
  return probe().reason;
}

export interface WineSession extends AsyncDisposable {
  prefix: string;
  /** Environment every Wine process gets (no proxy variables: WinHTTP reads $http_proxy). */
  env: NodeJS.ProcessEnv;
  /** `unshare -n` / `unshare -rn`. */
  netns: readonly string[];
  /** Runs `wine <args>` in a private network namespace. */
  wine(args: string[], opts?: { timeoutMs?: number }): Promise<WineResult>;
  /** The Windows path (Z:\...) of a host path. */
  winPath(hostPath: string): string;
  /** A scratch folder inside the prefix's temp area, removed with the session. */
  scratch: string;
  /** Compiles test/wine/c/<name>.c once; returns its Windows path (C:\atpnl\<name>.exe). */
  compile(name: string, libs?: string[], opts?: { unicode?: boolean }): Promise<string>;
  /** Stops the wineserver (it saves the registry files) and starts a new persistent one. */
  restartServer(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Runs a command and resolves when it EXITS. Wine starts helper processes on demand
 * (services.exe, explorer.exe /desktop, winedevice.exe) that inherit the stdout/stderr of the
 * Wine process that needed them and live as long as the persistent wineserver, so waiting
 * for the pipes to close (execFile) would wait for ever. After the exit, output already in
 * the pipes is drained for a moment, then the pipes are let go. A timeout kills the process.
 */
function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<WineResult> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let code: number | undefined;
    let done = false;
    const finish = (): void => {
      if (done || code === undefined) return;
      done = true;
      clearTimeout(killer);
      child.stdout.destroy();
      child.stderr.destroy();
      if (process.env.ATPNL_WINE_DEBUG) console.log(`wine-harness: ${Date.now() - t0} ms: ${file} ${args.join(' ')} -> ${code}`);
      resolve({ code, stdout, stderr });
    };
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      if (!done) {
        done = true;
        reject(new Error(`${file} ${args.join(' ')} did not finish within ${timeoutMs} ms`));
      }
    }, timeoutMs);
    child.on('error', (e) => {
      if (done) return;
      done = true;
      clearTimeout(killer);
      reject(e);
    });
    child.on('exit', (c, signal) => {
      code = c ?? (signal ? 128 : 1);
      setTimeout(finish, 300);
    });
    child.on('close', finish);
  });
}

async function startServer(netns: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const detached = (args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(netns[0]!, [...netns.slice(1), ...args], { env, stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', () => resolve());
    });
  // wineserver -p daemonises; then one Wine process with no pipes starts the helper services,
  // so they never hold a test's stdout open
  await detached(['wineserver', '-p']);
  await detached(['wine', 'cmd', '/c', 'exit']);
}

export async function startWineSession(): Promise<WineSession> {
  const { netns, reason } = probe();
  if (reason) throw new Error(reason);
  const root = await mkdtemp(path.join(os.tmpdir(), 'atpnl-wine-'));
  const prefix = path.join(root, 'prefix');
  const scratch = path.join(root, 'scratch');
  await mkdir(scratch);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: root,
    WINEPREFIX: prefix,
    WINEDEBUG: '-all',
    // no Mono/Gecko download dialogs (and nothing could be downloaded anyway)
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
    LANG: 'C.UTF-8',
  };
  let disposed = false;
  // After dispose a late call (a timed-out test still running) would re-create the prefix.
  const wine = (args: string[], opts: { timeoutMs?: number } = {}) =>
    disposed ? Promise.reject(new Error('Wine session already disposed')) : run(netns[0]!, [...netns.slice(1), 'wine', ...args], env, opts.timeoutMs ?? 60_000);
  await mkdir(prefix);
  // wineboot returns before the prefix is set up (wine.inf keeps installing in the
  // background); `wineserver -w` waits until every Wine process of the prefix has finished.
  const boot = await wine(['wineboot', '-i'], { timeoutMs: 180_000 });
  if (boot.code !== 0) throw new Error(`wineboot failed (${boot.code}): ${boot.stderr}`);
  await run('wineserver', ['-w'], env, 240_000);
  await startServer(netns, env);
  const exeDir = path.join(prefix, 'drive_c', 'atpnl');
  await mkdir(exeDir, { recursive: true });
  const compiled = new Map<string, Promise<string>>();
  const session: WineSession = {
    prefix,
    env,
    netns,
    wine,
    scratch,
    winPath: (p) => `Z:${path.resolve(p).replace(/\//g, '\\')}`,
    compile(name, libs = [], opts = {}) {
      let p = compiled.get(name);
      if (!p) {
        p = (async () => {
          const out = path.join(exeDir, `${name}.exe`);
          const r = await run('x86_64-w64-mingw32-gcc', ['-O1', ...(opts.unicode ? ['-municode'] : []), '-I', C_DIR, '-o', out, path.join(C_DIR, `${name}.c`), ...libs.map((l) => `-l${l}`)], process.env, 120_000);
          if (r.code !== 0) throw new Error(`compiling ${name}.c failed: ${r.stderr}`);
          return `C:\\atpnl\\${name}.exe`;
        })();
        compiled.set(name, p);
      }
      return p;
    },
    async restartServer() {
      await run('wineserver', ['-k'], env, 30_000);
      await run('wineserver', ['-w'], env, 30_000);
      await startServer(netns, env);
    },
    async dispose() {
      disposed = true;
      await run('wineserver', ['-k'], env, 30_000).catch(() => undefined);
      await run('wineserver', ['-w'], env, 30_000).catch(() => undefined);
      await rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
    [Symbol.asyncDispose]: () => session.dispose(),
  };
  return session;
}

/** The key regedit/reg.exe write to for a test, unique per file so suites never collide. */
export const CONNECTIONS = 'Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections';

export const HKCU_CONN = `HKEY_CURRENT_USER\\${CONNECTIONS}`;
export const HKLM_CONN = `HKEY_LOCAL_MACHINE\\${CONNECTIONS}`;

/**
 * One Wine session per test file: booted once before the file's tests (then `prepare`, e.g.
 * compiling the C programs), disposed after them, and every test skipped WITH the reason
 * when Wine, MinGW or a private network namespace is missing. Returns the session as a
 * handle that is live once the file's tests run.
 */
export function useWineSession(suite: string, prepare?: (wine: WineSession) => Promise<void>, timeoutMs = 240_000): WineSession {
  const skipReason = wineSkipReason();
  if (skipReason) console.warn(`Wine suite (${suite}) skipped: ${skipReason}`);
  let session: WineSession | undefined;
  beforeAll(async () => {
    if (skipReason) return;
    session = await startWineSession();
    await prepare?.(session);
  }, timeoutMs);
  afterAll(async () => {
    await session?.dispose();
  });
  beforeEach((ctx) => {
    if (skipReason) ctx.skip(skipReason);
  });
  return new Proxy({} as WineSession, {
    get: (_target, key) => {
      if (!session) throw new Error(`Wine suite (${suite}): the session is not started`);
      const v = (session as unknown as Record<string | symbol, unknown>)[key];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(session) : v;
    },
  });
}

/**
 * Wine's reg.exe, in the suite's private network namespace. Once in several runs a Wine
 * process exits 1 without printing anything (reg.exe itself always prints a message, so
 * this is Wine failing to start it, with WINEDEBUG=-all hiding why); such a run is repeated
 * once, and said so on stderr, so that reg.exe's real answers are what the tests judge.
 */
export function wineRegRunner(wine: WineSession): RegRunner {
  const run = commandRegRunner([wine.netns[0]!, ...wine.netns.slice(1), 'wine', 'reg.exe'] as [string, ...string[]], { env: wine.env, timeoutMs: 60_000 });
  return async (args) => {
    const r = await run(args);
    if (r.exitCode === 0 || (r.stdout + r.stderr).trim() !== '') return r;
    console.warn(`wine reg.exe ${args[0]} exited ${r.exitCode} without a message; running it once more`);
    return run(args);
  };
}

/** The project's live-registry store, over Wine's reg.exe (temp files mapped to Z:\...). */
export function wineRegistryStore(wine: WineSession, runner: RegRunner = wineRegRunner(wine)): WindowsRegistryStore {
  return new WindowsRegistryStore({ runner, tempDir: wine.scratch, regExePath: (p) => wine.winPath(p) });
}
