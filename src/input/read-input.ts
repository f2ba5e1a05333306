/**
 * The one way the tool reads an input file: scenarios, their fixtures, `.reg` exports, PAC
 * scripts, SensorConfiguration.json, CA / certificate PEMs, hosts files, proxy configs, the
 * lab registry's hive files.
 *
 *   path ──resolve (scenario folder)──▶ realpath ──inside a root?──▶ open(O_NONBLOCK)
 *        ──fstat: regular file, not /proc-like?──▶ read at most cap+1 bytes ──▶ Buffer
 *
 * Why each step:
 * - realpath before the root check: `fixtures/x.reg -> /etc/shadow` must not pass because
 *   the link sits inside the folder.
 * - O_NONBLOCK: opening a FIFO for reading otherwise blocks until a writer appears (forever).
 * - fstat on the opened descriptor, not stat on the path: what we check is what we read.
 * - at most cap+1 bytes: a file that grows (or lies about its size, like /proc files and
 *   /dev/zero) never grows memory past the cap.
 * - ownerOnly (private keys, proxy credentials): a secret others can read is refused, on the same descriptor.
 * Errors name the path and the limit, never the file's contents.
 */
import { constants, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AtpNetlabError, environmentError, isEnvironmentErrno, type ErrorLocation } from '../errors.js';

const MiB = 1024 * 1024;

/** Size caps per kind of input: far above any real file, far below what hurts the machine. */
export const INPUT_CAPS = {
  scenario: { maxBytes: 1 * MiB, what: 'scenario file' },
  reg: { maxBytes: 4 * MiB, what: '.reg file' },
  hive: { maxBytes: 16 * MiB, what: 'lab registry hive file' },
  // a full export of HKLM\SOFTWARE\Microsoft\SystemCertificates (AuthRoot holds hundreds of roots) runs to several MiB
  'host-reg': { maxBytes: 16 * MiB, what: 'host registry export (.reg)' },
  pac: { maxBytes: 1 * MiB, what: 'PAC script' },
  'sensor-config': { maxBytes: 1 * MiB, what: 'sensor configuration' },
  certificate: { maxBytes: 1 * MiB, what: 'certificate (PEM) file' },
  'private-key': { maxBytes: 64 * 1024, what: 'private key (PEM) file' },
  // one `user:password` line: Basic credentials are short (a cap this small also keeps a wrong file, a key or a log, out)
  'proxy-credentials': { maxBytes: 4 * 1024, what: 'proxy credentials file' },
  'hosts-file': { maxBytes: 1 * MiB, what: 'hosts file' },
  'proxy-config': { maxBytes: 1 * MiB, what: 'proxy configuration' },
  journal: { maxBytes: 1 * MiB, what: 'proxy-copy journal' },
  // an access log only grows: never refused for its size, only its last bytes are read (readInputTail)
  'proxy-log': { maxBytes: 16 * MiB, what: 'proxy access log' },
} as const satisfies Record<string, { maxBytes: number; what: string }>;

export type InputKind = keyof typeof INPUT_CAPS;

/** Where a path named inside another file (a scenario's fixture) may lead. */
export interface InputRoots {
  /** Relative paths resolve against this folder, and it is always an allowed root. */
  base: string;
  /** Extra roots the user named (`--allow-root DIR`). */
  allowRoots?: readonly string[];
}

export interface ReadInputOptions {
  /** Confine the path to these roots (fixtures). Without it, the path is the user's own choice (a CLI argument). */
  roots?: InputRoots;
  /** Where the path was named, for errors (the scenario file, line and field); default: the path itself. */
  location?: ErrorLocation;
  /** Override the cap of the kind (tests, or a command with its own documented limit). */
  maxBytes?: number;
  /** A secret (a private key, proxy credentials): refuse a file group or others may read (like ssh and its keys). */
  ownerOnly?: boolean;
}

/** Pseudo file systems whose "regular files" are generated on read (sizes lie, reads may never end). */
const SPECIAL_PREFIXES = ['/proc/', '/sys/'];
// statfs magic numbers (linux/magic.h): proc, sysfs, debugfs, securityfs, tracefs, cgroup2, devpts, configfs, efivarfs
const SPECIAL_FS_TYPES = new Set([0x9fa0, 0x62656572, 0x64626720, 0x73636673, 0x74726163, 0x63677270, 0x1cd1, 0x62656570, 0xde5e81e4]);

export function formatBytes(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function tooLarge(kind: InputKind, maxBytes: number, where: ErrorLocation, name: string): AtpNetlabError {
  const { what } = INPUT_CAPS[kind];
  return new AtpNetlabError('ATPNL_FILE_TOO_LARGE', `${name}: ${what} is larger than the ${formatBytes(maxBytes)} limit for a ${what}`, where);
}

function isInside(child: string, root: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Resolves `ref` (relative to roots.base) to its real path and checks it lies inside one of
 * the roots. The token quoted in errors is `ref` itself, as the user wrote it.
 */
export async function resolveInsideRoots(ref: string, roots: InputRoots, location: ErrorLocation = {}): Promise<string> {
  const abs = path.resolve(roots.base, ref);
  let real: string;
  try {
    real = await fs.realpath(abs);
  } catch (e) {
    throw notReadable(e, ref, location);
  }
  const allowed = [roots.base, ...(roots.allowRoots ?? [])];
  for (const root of allowed) {
    let realRoot: string;
    try {
      realRoot = await fs.realpath(path.resolve(root));
    } catch {
      continue;
    }
    if (isInside(real, realRoot)) return real;
  }
  throw new AtpNetlabError(
    'ATPNL_FILE_OUTSIDE_ROOT',
    `"${ref}" resolves outside the scenario's folder${roots.allowRoots?.length ? ' and every --allow-root' : ''}; keep fixtures next to the scenario or name their folder with --allow-root DIR`,
    location,
  );
}

function notReadable(e: unknown, name: string, location: ErrorLocation): AtpNetlabError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return environmentError(e as NodeJS.ErrnoException, `read ${name}:`, location);
  if (code === 'EISDIR') return new AtpNetlabError('ATPNL_FILE_NOT_REGULAR', `${name}: is a folder, not a file`, location);
  if (code === 'ELOOP') return new AtpNetlabError('ATPNL_FILE_NOT_REGULAR', `${name}: too many symbolic links`, location);
  if (code === 'ENOENT' || code === 'ENOTDIR') return new AtpNetlabError('ATPNL_FILE_NOT_FOUND', `${name}: no such file`, location);
  if (isEnvironmentErrno(e)) return environmentError(e, `read ${name}:`, location);
  return new AtpNetlabError('ATPNL_FILE_NOT_FOUND', `${name}: cannot read (${code ?? String(e)})`, location);
}

function describeNonRegular(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

async function isSpecialFileSystem(real: string): Promise<boolean> {
  if (SPECIAL_PREFIXES.some((p) => real.startsWith(p))) return true;
  try {
    const st = await fs.statfs(real);
    return SPECIAL_FS_TYPES.has(Number(st.type));
  } catch {
    return false;
  }
}

/** Reads at most maxBytes+1 from an open descriptor; more than maxBytes throws. */
async function readBounded(handle: fs.FileHandle, maxBytes: number, onTooLarge: () => AtpNetlabError): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const chunkBytes = 64 * 1024;
  for (;;) {
    const want = Math.min(chunkBytes, maxBytes + 1 - total);
    const buf = Buffer.allocUnsafe(want);
    const { bytesRead } = await handle.read(buf, 0, want, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > maxBytes) throw onTooLarge();
    chunks.push(bytesRead === want ? buf : buf.subarray(0, bytesRead));
  }
  return Buffer.concat(chunks, total);
}

/**
 * Reads one input file of a kind, in bounded memory. `file` is resolved against
 * `opts.roots.base` and confined to the roots when roots are given.
 */
export async function readInputFile(file: string, kind: InputKind, opts: ReadInputOptions = {}): Promise<Buffer> {
  // `-` on the command line is stdin; a path named inside a file (a fixture, with roots) never is.
  if (file === STDIN && !opts.roots) return readStdinOnce(kind, opts);
  const where: ErrorLocation = opts.location ?? { file };
  const maxBytes = opts.maxBytes ?? INPUT_CAPS[kind].maxBytes;
  return withRegularFile(file, opts, where, async (handle, st) => {
    if (st.size > maxBytes) throw tooLarge(kind, maxBytes, where, file);
    // Checked on the opened descriptor, like the type: the mode is the file's that is read.
    if (opts.ownerOnly && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      const secret = kind === 'private-key' ? 'a private key' : `a ${INPUT_CAPS[kind].what}`;
      throw new AtpNetlabError('ATPNL_FILE_NOT_PRIVATE', `${file}: ${secret} readable by group or others (mode ${mode}); run chmod 600 ${file}`, where);
    }
    return readBounded(handle, maxBytes, () => tooLarge(kind, maxBytes, where, file));
  });
}

/** The last bytes of a file that only grows (a proxy's access log), and how many came before them. */
export interface InputTail {
  bytes: Buffer;
  /** Bytes of the file before `bytes` (0: the whole file was read). */
  skippedBytes: number;
}

/**
 * The last `maxBytes` (default: the kind's cap) of a regular file, with the same checks as
 * readInputFile: an ever-growing log is never refused for its size, and memory stays bounded.
 * A file that grows while it is read gives at most maxBytes from the size fstat saw.
 */
export async function readInputTail(file: string, kind: InputKind, opts: Pick<ReadInputOptions, 'maxBytes' | 'location'> = {}): Promise<InputTail> {
  const where: ErrorLocation = opts.location ?? { file };
  const maxBytes = opts.maxBytes ?? INPUT_CAPS[kind].maxBytes;
  return withRegularFile(file, {}, where, async (handle, st) => {
    const skippedBytes = Math.max(0, st.size - maxBytes);
    const buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes));
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await handle.read(buf, got, buf.length - got, skippedBytes + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { bytes: buf.subarray(0, got), skippedBytes };
  });
}

/** Opens `file` safely (see the file comment) and hands the descriptor of a regular file to `use`. */
async function withRegularFile<T>(file: string, opts: Pick<ReadInputOptions, 'roots'>, where: ErrorLocation, use: (handle: fs.FileHandle, st: Stats) => Promise<T>): Promise<T> {
  let real: string;
  if (opts.roots) real = await resolveInsideRoots(file, opts.roots, where);
  else {
    try {
      real = await fs.realpath(file);
    } catch (e) {
      throw notReadable(e, file, where);
    }
  }
  if (await isSpecialFileSystem(real)) {
    throw new AtpNetlabError('ATPNL_FILE_NOT_REGULAR', `${file}: is a special file (${real.split('/').slice(0, 2).join('/')}/...), not a regular file`, where);
  }
  let handle: fs.FileHandle;
  try {
    // O_NOFOLLOW: `real` has no link left in it; if one appeared since realpath, refuse it.
    handle = await fs.open(real, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0));
  } catch (e) {
    throw notReadable(e, file, where);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new AtpNetlabError('ATPNL_FILE_NOT_REGULAR', `${file}: is ${describeNonRegular(st)}, not a regular file`, where);
    return await use(handle, st);
  } catch (e) {
    if (e instanceof AtpNetlabError) throw e;
    throw notReadable(e, file, where);
  } finally {
    await handle.close();
  }
}

/** The name that means stdin as an input and stdout as an output, as in most Unix tools. */
export const STDIN = '-';

let stdinTaken = false;

/** Stdin can be read once: a second `-` in the same command would silently get nothing. */
async function readStdinOnce(kind: InputKind, opts: Pick<ReadInputOptions, 'maxBytes' | 'location'>): Promise<Buffer> {
  if (stdinTaken) throw new AtpNetlabError('ATPNL_USAGE', '- (stdin) is named twice: only one input can come from stdin');
  stdinTaken = true;
  return readInputStream(process.stdin, kind, '(stdin)', opts);
}

/** The same cap for a stream (stdin as `-`): reading stops at cap+1 bytes. */
export async function readInputStream(stream: AsyncIterable<Uint8Array> & { destroy?: () => void }, kind: InputKind, name = '(stdin)', opts: Pick<ReadInputOptions, 'maxBytes' | 'location'> = {}): Promise<Buffer> {
  const maxBytes = opts.maxBytes ?? INPUT_CAPS[kind].maxBytes;
  const where = opts.location ?? { file: name };
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      stream.destroy?.();
      throw tooLarge(kind, maxBytes, where, name);
    }
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, total);
}

/** Text inputs that are not scenarios (PEM, JSON, hosts files): UTF-8, a BOM tolerated. */
export async function readInputText(file: string, kind: InputKind, opts: ReadInputOptions = {}): Promise<string> {
  return (await readInputFile(file, kind, opts)).toString('utf8');
}
