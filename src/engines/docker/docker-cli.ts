/**
 * The docker engine talks to the daemon through the `docker` CLI, not testcontainers:
 * testcontainers' Network cannot make an `internal` network with an explicit subnet, its
 * reaper (ryuk) is an image that needs a registry, and the CLI is what an operator already
 * has and can replay by hand. Cleanup is ours: everything we create carries LAB_LABEL.
 *
 *   docker(args) ──execFile──▶ stdout (trimmed) | DockerError(stderr's last line)
 */
import { execFile, type ExecFileOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/** On every container and network the engine creates; `lab prune` removes what carries it. */
export const LAB_LABEL = 'atp-netlab';

export class DockerError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
  ) {
    super(`docker ${args.slice(0, 2).join(' ')}: ${stderr.trim().split('\n').at(-1) ?? 'failed'}`);
  }
}

export interface DockerOptions {
  input?: string;
  timeoutMs?: number;
  cwd?: string;
}

export function docker(args: readonly string[], opts: DockerOptions = {}): Promise<string> {
  return dockerExit(args, opts).then((r) => {
    if (r.code !== 0) throw new DockerError(args, r.stderr || `exit ${r.code}`);
    return r.stdout.trim();
  });
}

/** A docker command whose exit status is the caller's business (`docker exec` of a probe: 1 = unreachable). */
export function dockerExit(args: readonly string[], opts: DockerOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // The legacy builder: Debian's docker.io has no buildx plugin, and our images are FROM scratch.
    const execOpts: ExecFileOptions = { maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 120_000, env: { ...process.env, DOCKER_BUILDKIT: '0' }, ...(opts.cwd ? { cwd: opts.cwd } : {}) };
    const child = execFile('docker', [...args], execOpts, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      if (err && typeof code !== 'number') reject(new DockerError(args, String(stderr) || err.message));
      else resolve({ code: code as number, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Why the docker engine cannot start here, one actionable line each; empty when ready. */
export async function dockerPrerequisites(): Promise<string[]> {
  const onPath = (process.env.PATH ?? '').split(':').some((d) => d && fs.existsSync(`${d}/docker`));
  if (!onPath) return ['the docker CLI is not installed (Debian: apt-get install docker.io)'];
  try {
    await docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 10_000 });
    return [];
  } catch (e) {
    const msg = e instanceof DockerError ? e.stderr : String(e);
    if (/permission denied/i.test(msg)) return ['no permission on the Docker socket: run as root or add this user to the docker group'];
    if (/Cannot connect|Is the docker daemon running|no such file/i.test(msg)) return ['the Docker daemon is not running: start it (as root: dockerd >/tmp/dockerd.log 2>&1 &, or systemctl start docker)'];
    return [`docker is not usable: ${msg.trim().split('\n').at(-1)}`];
  }
}

/**
 * Labels naming the process that owns a lab: its pid, and the machine and boot it runs on
 * (a pid means nothing on another Docker client's machine or after a reboot). `lab prune`
 * removes only labs whose owner is gone, so it never pulls a running lab from under another
 * run on the same daemon ("stop only what you started").
 */
export function ownerLabels(pid: number = process.pid): string[] {
  return ['--label', `${LAB_LABEL}.pid=${pid}`, '--label', `${LAB_LABEL}.owner=${ownerMachine()}`];
}

let machine: string | undefined;
function ownerMachine(): string {
  if (machine === undefined) {
    let boot = 'unknown-boot';
    try {
      boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      // not Linux: the hostname alone (a reboot then looks like the same machine, and a dead pid still reads as dead)
    }
    machine = `${os.hostname()}/${boot}`;
  }
  return machine;
}

/** Whether the owner recorded in a lab's labels is a live process of this machine and boot. */
export function ownerAlive(pid: string | undefined, owner: string | undefined): boolean {
  if (!pid || !/^\d+$/.test(pid) || owner !== ownerMachine()) return false;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

export interface PruneResult {
  containers: string[];
  networks: string[];
  /** Objects left alone: their owner still runs (pids), or they name no owner (a Compose lab run by hand). */
  kept: { containers: number; networks: number; pids: number[]; unowned: number };
}

/**
 * Remove containers and networks carrying LAB_LABEL: one run's (its own stop), every one
 * (`all`), or by default only those whose owning process is gone.
 */
export async function pruneLabObjects(run?: string, opts: { all?: boolean } = {}): Promise<PruneResult> {
  const filter = run ? `label=${LAB_LABEL}.run=${run}` : `label=${LAB_LABEL}`;
  const kept: PruneResult['kept'] = { containers: 0, networks: 0, pids: [], unowned: 0 };
  const choose = async (list: string[], what: 'containers' | 'networks'): Promise<string[]> => {
    const format = `{{.ID}} {{.Label "${LAB_LABEL}.pid"}} {{.Label "${LAB_LABEL}.owner"}}`;
    const rows = (await docker([...list, '--filter', filter, '--format', format])).split('\n').filter(Boolean).map((l) => l.split(' '));
    if (run || opts.all) return rows.map(([id]) => id!);
    const out: string[] = [];
    for (const [id, pid, owner] of rows) {
      if (!pid) {
        kept[what]++;
        kept.unowned++;
      } else if (ownerAlive(pid, owner)) {
        kept[what]++;
        if (!kept.pids.includes(Number(pid))) kept.pids.push(Number(pid));
      } else out.push(id!);
    }
    return out;
  };
  const containers = await choose(['ps', '-a'], 'containers');
  if (containers.length) await docker(['rm', '-f', '-v', ...containers]).catch(goneAlready);
  const networks = await choose(['network', 'ls'], 'networks');
  if (networks.length) await docker(['network', 'rm', ...networks]).catch(goneAlready);
  return { containers, networks, kept };
}

/**
 * Another remover got there first (a `lab prune` while a lab stops, or the lab's own exit
 * hook): what it removes is gone either way, so that is not a failure.
 */
function goneAlready(e: unknown): void {
  if (e instanceof DockerError && /removal of container .* is already in progress|No such container|not found/i.test(e.stderr)) return;
  throw e;
}
