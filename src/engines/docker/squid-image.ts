/**
 * The docker engine's Squid image (docker/squid/Dockerfile), built offline from this machine's
 * Debian squid-openssl: /usr/sbin/squid, the helpers the generated configs name, its error
 * pages and mime.conf, OpenSSL's config, every shared library ldd names, and passwd/group
 * entries for root and `proxy` (Squid, started as root, drops to it: cache_effective_user).
 * The proxy user's uid and gid are this machine's, so the folder the engine chowns to `proxy`
 * here is Squid's in the container too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AtpNetlabError } from '../../errors.js';
import { findBinary } from '../../lab/child-process-component.js';
import { SQUID_BINARIES } from '../../lab/kinds/squid-kind.js';
import { PROJECT_ROOT } from './lab-image.js';
import { ensureOfflineImage, FileSet, imageOnce, offlineImageTag, walkFiles, type BuiltImage, type ImageInput, type OfflineImageDefinition } from './offline-image.js';

export const SQUID_IMAGE_REPO = 'atp-netlab/squid';
export const SQUID_USER = 'proxy';
const SQUID_BINARY = SQUID_BINARIES[0];
/** Helpers the generated configs run (auth, ssl_bump certificates) and those Squid starts on its own. */
const HELPERS = ['basic_ncsa_auth', 'security_file_certgen', 'unlinkd', 'log_file_daemon'].map((h) => `/usr/lib/squid/${h}`);
const SHARE_DIR = '/usr/share/squid';

/** Why the Squid image cannot be built here (Squid is not installed), or undefined. */
export function squidImageUnavailable(): string | undefined {
  return findBinary([SQUID_BINARY]) ? undefined : `${SQUID_BINARY} is not installed on this machine, so the docker engine has no Squid image (apt-get install squid-openssl)`;
}

function entry(file: string, name: string): string {
  const line = fs.readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new AtpNetlabError('ATPNL_ENVIRONMENT', `${file} has no ${name} entry (the squid package creates the user ${name})`);
  return line;
}

function squidImageInput(): ImageInput {
  const why = squidImageUnavailable();
  if (why) throw new AtpNetlabError('ATPNL_ENVIRONMENT', why);
  const set = new FileSet();
  set.addBinary(SQUID_BINARY);
  for (const h of HELPERS) if (fs.existsSync(h)) set.addBinary(h);
  // errors/ is a link to squid-langpack: its files (language aliases are links to folders; Squid falls back to templates/).
  for (const sub of ['errors', 'icons']) {
    const real = fs.realpathSync(path.join(SHARE_DIR, sub));
    if (fs.existsSync(real)) for (const f of walkFiles(real)) set.add(f, path.join(SHARE_DIR, sub, path.relative(real, f)));
  }
  set.add(path.join(SHARE_DIR, 'mime.conf'));
  if (fs.existsSync('/etc/ssl/openssl.cnf')) {
    set.add('/etc/ssl/openssl.cnf');
    set.add('/etc/ssl/openssl.cnf', '/usr/lib/ssl/openssl.cnf');
  }
  const written: [string, string][] = [
    ['/etc/passwd', `root:x:0:0:root:/root:/bin/false\n${entry('/etc/passwd', SQUID_USER)}\n`],
    ['/etc/group', `root:x:0:\n${entry('/etc/group', SQUID_USER)}\n`],
  ];
  return { files: set.files, dirs: [], written };
}

/** Build the Squid image unless its content-hash tag exists. */
export function ensureSquidImage(onProgress: (line: string) => void = () => undefined, root = PROJECT_ROOT): Promise<BuiltImage> {
  return ensureOfflineImage(squidImageDefinition(root), onProgress);
}

function squidImageDefinition(root: string): OfflineImageDefinition {
  return { repo: SQUID_IMAGE_REPO, dockerfile: path.join(root, 'docker', 'squid', 'Dockerfile'), input: squidImageInput() };
}

/** The Squid image's tag from this machine's files (no daemon needed). */
export function squidImageTag(root = PROJECT_ROOT): string {
  return offlineImageTag(squidImageDefinition(root));
}

/** The Squid image's tag, built at most once per process. */
export const squidImage = imageOnce(() => ensureSquidImage());
