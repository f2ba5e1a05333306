/**
 * An image built offline from this machine's files: a Dockerfile `FROM scratch` and a root
 * filesystem assembled from local files, tagged by the content hash of what it copies and
 * built once. The lab image (lab-image.ts) and the Squid image (squid-image.ts) are two of these.
 *
 *   files ──sha256──▶ <repo>:<hash> exists? ──yes──▶ done (cached)
 *                                      └─no──▶ rootfs/ in a temp context ─▶ docker build
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { docker, LAB_LABEL } from './docker-cli.js';

export interface ImageInput {
  /** Absolute path on this machine → path inside the image. */
  files: [string, string][];
  /** Directories copied whole (npm packages), with what identifies their content. */
  dirs: { from: string; to: string; id: string }[];
  /** Small files written into the image (passwd, group): path inside → text. */
  written?: [string, string][];
}

export interface OfflineImageDefinition {
  /** `atp-netlab/lab`, `atp-netlab/squid`. */
  repo: string;
  dockerfile: string;
  input: ImageInput;
}

export interface BuiltImage {
  tag: string;
  built: boolean;
}

/** The shared libraries a binary loads, from ldd (the loader included). */
export function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  return [...out.matchAll(/(\/[^\s]+)\s+\(0x/g)].map((m) => m[1]!).filter((p) => fs.existsSync(p));
}

export function walkFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
}

/** Collects [from, to] pairs once per destination (a library two binaries need is copied once). */
export class FileSet {
  readonly files: [string, string][] = [];
  private readonly seen = new Set<string>();

  add(from: string, to = from): void {
    if (this.seen.has(to)) return;
    this.seen.add(to);
    this.files.push([from, to]);
  }

  /** A binary at its own path and every shared library ldd names (the real file, at the path ldd gives). */
  addBinary(binary: string): void {
    this.add(binary);
    for (const lib of sharedLibraries(binary)) this.add(fs.realpathSync(lib), lib);
  }
}

/** The content hash: the Dockerfile, every copied file's bytes and path, every package's name@version and path. */
function contentHash(def: OfflineImageDefinition): string {
  const h = crypto.createHash('sha256');
  h.update(fs.readFileSync(def.dockerfile));
  for (const [from, to] of def.input.files) h.update(`${to}\0`).update(fs.readFileSync(from));
  for (const d of def.input.dirs) h.update(`${d.to}\0${d.id}\0`);
  for (const [to, text] of def.input.written ?? []) h.update(`${to}\0${text}\0`);
  return h.digest('hex').slice(0, 16);
}

/** The image's tag, from this machine's files alone (no daemon): what a build makes or finds. */
export function offlineImageTag(def: OfflineImageDefinition): string {
  return `${def.repo}:${contentHash(def)}`;
}

/** Build the image unless its content-hash tag exists; `onProgress` gets one line per stage. */
export async function ensureOfflineImage(def: OfflineImageDefinition, onProgress: (line: string) => void = () => undefined): Promise<BuiltImage> {
  const { input } = def;
  const tag = offlineImageTag(def);
  const existing = await docker(['images', '-q', tag]);
  if (existing) {
    onProgress(`images: ${tag} is built (cached)`);
    return { tag, built: false };
  }
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'atpnl-image-'));
  try {
    onProgress(`images: assembling ${input.files.length} files${input.dirs.length ? ` and ${input.dirs.length} npm packages` : ''} for ${tag}`);
    const rootfs = path.join(ctx, 'rootfs');
    for (const [from, to] of input.files) {
      const dest = path.join(rootfs, to);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(from, dest);
      fs.chmodSync(dest, fs.statSync(from).mode & 0o777);
    }
    for (const d of input.dirs) fs.cpSync(d.from, path.join(rootfs, d.to), { recursive: true, dereference: true });
    for (const [to, text] of input.written ?? []) {
      fs.mkdirSync(path.dirname(path.join(rootfs, to)), { recursive: true });
      fs.writeFileSync(path.join(rootfs, to), text);
    }
    // A writable /tmp for every image.
    fs.mkdirSync(path.join(rootfs, 'tmp'), { recursive: true, mode: 0o1777 });
    fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
    fs.copyFileSync(def.dockerfile, path.join(ctx, 'Dockerfile'));
    onProgress(`images: docker build ${tag}`);
    await docker(['build', '-q', '--label', `${LAB_LABEL}.image=1`, '-t', tag, ctx], { timeoutMs: 600_000 });
    onProgress(`images: built ${tag}`);
    // The newest KEPT_IMAGES_PER_REPO per repo stay, older content hashes go (best effort; one in
    // use stays). Not only this one: another checkout's tests on the same daemon may be running
    // on the tag just before it, and would lose their image mid-run.
    const old = staleImageTags((await listImages(def.repo)).map((i) => i.tag), tag);
    if (old.length) await docker(['rmi', ...old]).then(() => onProgress(`images: removed ${old.join(', ')}`), () => undefined);
    return { tag, built: true };
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
}

/** Content hashes kept per image repo after a build (this one and the newest others). */
export const KEPT_IMAGES_PER_REPO = 3;

/** Of a repo's tags, newest first, those to remove after `current` was built: all but current and the newest others up to KEPT_IMAGES_PER_REPO. */
export function staleImageTags(tagsNewestFirst: readonly string[], current: string, keep = KEPT_IMAGES_PER_REPO): string[] {
  return tagsNewestFirst.filter((t) => t !== current).slice(Math.max(0, keep - 1));
}

/** The images of one repo on the daemon: tag, size, created (newest first, as `docker images` lists them). */
export async function listImages(repo: string): Promise<{ tag: string; size: string; created: string }[]> {
  const out = await docker(['images', repo, '--format', '{{.Repository}}:{{.Tag}}\t{{.Size}}\t{{.CreatedSince}}']);
  return out.split('\n').filter(Boolean).map((l) => {
    const [tag = '', size = '', created = ''] = l.split('\t');
    return { tag, size, created };
  });
}

/** A memo of one image per process (the content hash is computed once); a failure is not kept. */
export function imageOnce(build: () => Promise<BuiltImage>): () => Promise<string> {
  let tag: Promise<string> | undefined;
  return () => {
    tag ??= build().then((i) => i.tag).catch((e: unknown) => {
      tag = undefined;
      throw e;
    });
    return tag;
  };
}
