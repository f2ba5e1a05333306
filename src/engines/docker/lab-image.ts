/**
 * The docker engine's image, built offline from this machine's files (docker/lab/Dockerfile):
 * the Node binary and dnsmasq with their shared libraries, dist/ and the production
 * node_modules, in a FROM scratch image tagged by content hash and built once.
 *
 *   files ──sha256──▶ atp-netlab/lab:<hash> exists? ──yes──▶ done (cached)
 *                                               └─no──▶ rootfs/ in a temp context ─▶ docker build
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AtpNetlabError } from '../../errors.js';
import { ensureOfflineImage, FileSet, listImages, offlineImageTag, sharedLibraries, walkFiles, type BuiltImage, type ImageInput, type OfflineImageDefinition } from './offline-image.js';

export const LAB_IMAGE_REPO = 'atp-netlab/lab';
export const DNSMASQ_PATH = '/usr/sbin/dnsmasq';
/** Where the project lives inside the image. */
export const IMAGE_APP_DIR = '/app';

/** This checkout (src/engines/docker or dist/engines/docker → three levels up). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

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

function imageInput(root: string): ImageInput {
  const dist = path.join(root, 'dist');
  if (!fs.existsSync(path.join(dist, 'cli', 'main.js'))) throw new AtpNetlabError('ATPNL_USAGE', `${dist} is missing: run npm run build first (the image copies dist/)`);
  if (!fs.existsSync(DNSMASQ_PATH)) throw new AtpNetlabError('ATPNL_USAGE', `${DNSMASQ_PATH} is missing: apt-get install dnsmasq-base (the lab DNS of the docker engine)`);
  const set = new FileSet();
  set.add(fs.realpathSync(process.execPath), '/usr/bin/node');
  set.addBinary(DNSMASQ_PATH);
  for (const lib of sharedLibraries(fs.realpathSync(process.execPath))) set.add(fs.realpathSync(lib), lib);
  set.add(path.join(root, 'package.json'), `${IMAGE_APP_DIR}/package.json`);
  for (const f of walkFiles(dist)) set.add(f, `${IMAGE_APP_DIR}/dist/${path.relative(dist, f)}`);
  const dirs = productionPackages(root).map((p) => ({ from: fs.realpathSync(p.dir), to: `${IMAGE_APP_DIR}/node_modules/${path.relative(path.join(root, 'node_modules'), p.dir).split(path.sep).join('/')}`, id: `${p.name}@${p.version}` }));
  // The engine bind-mounts a resolv.conf over /etc/resolv.conf; passwd/group name root and nobody.
  const written: [string, string][] = [
    ['/etc/passwd', 'root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n'],
    ['/etc/group', 'root:x:0:\nnogroup:x:65534:\n'],
  ];
  return { files: set.files, dirs, written };
}

function dockerfilePath(root: string): string {
  return path.join(root, 'docker', 'lab', 'Dockerfile');
}

export type LabImage = BuiltImage;

/** Build the lab image unless its content-hash tag exists; `onProgress` gets one line per stage. */
export function ensureLabImage(onProgress: (line: string) => void = () => undefined, root = PROJECT_ROOT): Promise<LabImage> {
  return ensureOfflineImage(labImageDefinition(root), onProgress);
}

function labImageDefinition(root: string): OfflineImageDefinition {
  return { repo: LAB_IMAGE_REPO, dockerfile: dockerfilePath(root), input: imageInput(root) };
}

/** The lab image's tag from this checkout's files (no daemon needed). */
export function labImageTag(root = PROJECT_ROOT): string {
  return offlineImageTag(labImageDefinition(root));
}

/** The lab images on the daemon: tag, size, created. */
export function listLabImages(): Promise<{ tag: string; size: string; created: string }[]> {
  return listImages(LAB_IMAGE_REPO);
}
