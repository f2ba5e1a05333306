/**
 * The docker engine's image, built offline from this machine's files (docker/lab/Dockerfile):
 * the Node binary and dnsmasq with their shared libraries, dist/ and the production
 * node_modules, in a FROM scratch image tagged by content hash and built once.
 *
 *   files ──sha256──▶ atp-netlab/lab:<hash> exists? ──yes──▶ done (cached)
 *                                               └─no──▶ rootfs/ in a temp context ─▶ docker build
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AtpNetlabError } from '../../errors.js';
import { docker, LAB_LABEL } from './docker-cli.js';

export const LAB_IMAGE_REPO = 'atp-netlab/lab';
export const DNSMASQ_PATH = '/usr/sbin/dnsmasq';
/** Where the project lives inside the image. */
export const IMAGE_APP_DIR = '/app';

/** This checkout (src/engines/docker or dist/engines/docker → three levels up). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface ImageInput {
  /** Absolute path on this machine → path inside the image. */
  files: [string, string][];
  /** Directories copied whole (npm packages), with what identifies their content. */
  dirs: { from: string; to: string; id: string }[];
}

/** The shared libraries a binary loads, from ldd (the loader included). */
function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  return [...out.matchAll(/(\/[^\s]+)\s+\(0x/g)].map((m) => m[1]!).filter((p) => fs.existsSync(p));
}

/** The production dependency closure of the project, as package directories (hoisted or nested). */
function productionPackages(root: string): { dir: string; name: string; version: string }[] {
  const found = new Map<string, { dir: string; name: string; version: string }>();
  const visit = (fromDir: string, deps: Record<string, string>) => {
    for (const name of Object.keys(deps)) {
      let dir: string | undefined;
      for (let d = fromDir; ; d = path.dirname(d)) {
        const candidate = path.join(d, 'node_modules', name);
        if (fs.existsSync(path.join(candidate, 'package.json'))) {
          dir = candidate;
          break;
        }
        if (d === path.dirname(d) || d === path.dirname(root)) break;
      }
      if (!dir) continue; // an optional dependency not installed on this platform
      const real = fs.realpathSync(dir);
      if (found.has(real)) continue;
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
      found.set(real, { dir, name, version: pkg.version ?? '0' });
      // Peer dependencies too (pac-resolver needs quickjs-wasi): those installed are part of the closure.
      visit(dir, { ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies });
    }
  };
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  visit(root, pkg.dependencies ?? {});
  return [...found.values()];
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
}

function imageInput(root: string): ImageInput {
  const dist = path.join(root, 'dist');
  if (!fs.existsSync(path.join(dist, 'cli', 'main.js'))) throw new AtpNetlabError('ATPNL_USAGE', `${dist} is missing: run npm run build first (the image copies dist/)`);
  if (!fs.existsSync(DNSMASQ_PATH)) throw new AtpNetlabError('ATPNL_USAGE', `${DNSMASQ_PATH} is missing: apt-get install dnsmasq-base (the lab DNS of the docker engine)`);
  const node = fs.realpathSync(process.execPath);
  const files: [string, string][] = [];
  const seen = new Set<string>();
  const add = (from: string, to: string) => {
    if (seen.has(to)) return;
    seen.add(to);
    files.push([from, to]);
  };
  add(node, '/usr/bin/node');
  add(DNSMASQ_PATH, DNSMASQ_PATH);
  for (const lib of [...sharedLibraries(node), ...sharedLibraries(DNSMASQ_PATH)]) add(fs.realpathSync(lib), lib);
  add(path.join(root, 'package.json'), `${IMAGE_APP_DIR}/package.json`);
  for (const f of walk(dist)) add(f, `${IMAGE_APP_DIR}/dist/${path.relative(dist, f)}`);
  const dirs = productionPackages(root).map((p) => ({ from: fs.realpathSync(p.dir), to: `${IMAGE_APP_DIR}/node_modules/${path.relative(path.join(root, 'node_modules'), p.dir).split(path.sep).join('/')}`, id: `${p.name}@${p.version}` }));
  return { files, dirs };
}

function dockerfilePath(root: string): string {
  return path.join(root, 'docker', 'lab', 'Dockerfile');
}

/** The content hash: the Dockerfile, every copied file's bytes and path, every package's name@version and path. */
function contentHash(root: string, input: ImageInput): string {
  const h = crypto.createHash('sha256');
  h.update(fs.readFileSync(dockerfilePath(root)));
  for (const [from, to] of input.files) h.update(`${to}\0`).update(fs.readFileSync(from));
  for (const d of input.dirs) h.update(`${d.to}\0${d.id}\0`);
  return h.digest('hex').slice(0, 16);
}

export interface LabImage {
  tag: string;
  built: boolean;
}

/** Build the lab image unless its content-hash tag exists; `onProgress` gets one line per stage. */
export async function ensureLabImage(onProgress: (line: string) => void = () => undefined, root = PROJECT_ROOT): Promise<LabImage> {
  const input = imageInput(root);
  const tag = `${LAB_IMAGE_REPO}:${contentHash(root, input)}`;
  const existing = await docker(['images', '-q', tag]);
  if (existing) {
    onProgress(`images: ${tag} is built (cached)`);
    return { tag, built: false };
  }
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'atpnl-image-'));
  try {
    onProgress(`images: assembling ${input.files.length} files and ${input.dirs.length} npm packages for ${tag}`);
    const rootfs = path.join(ctx, 'rootfs');
    for (const [from, to] of input.files) {
      const dest = path.join(rootfs, to);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(from, dest);
      fs.chmodSync(dest, fs.statSync(from).mode & 0o777);
    }
    for (const d of input.dirs) fs.cpSync(d.from, path.join(rootfs, d.to), { recursive: true, dereference: true });
    // A writable /tmp, and a resolv.conf placeholder the engine bind-mounts over.
    fs.mkdirSync(path.join(rootfs, 'tmp'), { recursive: true, mode: 0o1777 });
    fs.mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
    fs.writeFileSync(path.join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    fs.copyFileSync(dockerfilePath(root), path.join(ctx, 'Dockerfile'));
    onProgress(`images: docker build ${tag}`);
    await docker(['build', '-q', '--label', `${LAB_LABEL}.image=1`, '-t', tag, ctx], { timeoutMs: 600_000 });
    onProgress(`images: built ${tag}`);
    // One lab image is kept: older content hashes are dead weight (best effort; one in use stays).
    const old = (await listLabImages()).map((i) => i.tag).filter((t) => t !== tag);
    if (old.length) await docker(['rmi', ...old]).then(() => onProgress(`images: removed ${old.join(', ')}`), () => undefined);
    return { tag, built: true };
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
}

/** The lab images on the daemon: tag, size, created. */
export async function listLabImages(): Promise<{ tag: string; size: string; created: string }[]> {
  const out = await docker(['images', LAB_IMAGE_REPO, '--format', '{{.Repository}}:{{.Tag}}\t{{.Size}}\t{{.CreatedSince}}']);
  return out.split('\n').filter(Boolean).map((l) => {
    const [tag = '', size = '', created = ''] = l.split('\t');
    return { tag, size, created };
  });
}
