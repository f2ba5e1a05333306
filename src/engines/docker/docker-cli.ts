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

/** Remove every container and network carrying LAB_LABEL (optionally only one run's); returns what was removed. */
export async function pruneLabObjects(run?: string): Promise<{ containers: string[]; networks: string[] }> {
  const filter = run ? `label=${LAB_LABEL}.run=${run}` : `label=${LAB_LABEL}`;
  const containers = (await docker(['ps', '-aq', '--filter', filter])).split('\n').filter(Boolean);
  if (containers.length) await docker(['rm', '-f', '-v', ...containers]).catch(goneAlready);
  const networks = (await docker(['network', 'ls', '-q', '--filter', filter])).split('\n').filter(Boolean);
  if (networks.length) await docker(['network', 'rm', ...networks]).catch(goneAlready);
  return { containers, networks };
}

/**
 * Another remover got there first (a `lab prune` while a lab stops, or the lab's own exit
 * hook): what it removes is gone either way, so that is not a failure.
 */
function goneAlready(e: unknown): void {
  if (e instanceof DockerError && /removal of container .* is already in progress|No such container|not found/i.test(e.stderr)) return;
  throw e;
}
