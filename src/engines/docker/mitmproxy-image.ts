/**
 * The docker engine's mitmproxy image (docker/mitmproxy/Dockerfile), built offline from this
 * machine's Debian packages: mitmproxy and the installed python3 and libpython3 packages it
 * depends on (packageClosure), their files (dpkg -L), every shared library ldd names for their
 * ELF files, and passwd/group entries for root.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AtpNetlabError } from '../../errors.js';
import { findBinary } from '../../lab/child-process-component.js';
import { MITMDUMP_BINARIES } from '../../lab/kinds/mitmproxy-kind.js';
import { isElf, packageClosure, packageFiles } from './debian-packages.js';
import { PROJECT_ROOT } from './lab-image.js';
import { ensureOfflineImage, FileSet, imageOnce, offlineImageTag, sharedLibraries, walkFiles, type BuiltImage, type ImageInput, type OfflineImageDefinition } from './offline-image.js';

export const MITMPROXY_IMAGE_REPO = 'atp-netlab/mitmproxy';
const MITMDUMP = MITMDUMP_BINARIES[0];
/** Python's C extensions that cryptography and pyOpenSSL load through cffi: not a Depends of mitmproxy by name. */
const EXTRA_PACKAGES = ['python3-cffi-backend'];
/** `openssl version -m` on Debian (amd64, arm64). */
const OPENSSL_MODULE_DIRS = ['/usr/lib/x86_64-linux-gnu/ossl-modules', '/usr/lib/aarch64-linux-gnu/ossl-modules'];

/** Why the mitmproxy image cannot be built here, or undefined. */
export function mitmproxyImageUnavailable(): string | undefined {
  if (!findBinary([MITMDUMP])) return `${MITMDUMP} is not installed on this machine, so the docker engine has no mitmproxy image (apt-get install mitmproxy)`;
  return undefined;
}

function mitmproxyImageInput(): ImageInput {
  const why = mitmproxyImageUnavailable();
  if (why) throw new AtpNetlabError('ATPNL_ENVIRONMENT', why);
  const pkgs = packageClosure(['mitmproxy', ...EXTRA_PACKAGES], (n) => /^(python3|libpython3)/.test(n));
  const set = new FileSet();
  for (const f of packageFiles(pkgs)) {
    set.add(fs.realpathSync(f), f);
    if (isElf(f)) for (const lib of sharedLibraries(f)) set.add(fs.realpathSync(lib), lib);
  }
  if (fs.existsSync('/etc/ssl/openssl.cnf')) set.add('/etc/ssl/openssl.cnf');
  // cryptography loads OpenSSL's legacy provider at import (a DSO libcrypto finds in its MODULESDIR).
  for (const dir of OPENSSL_MODULE_DIRS) if (fs.existsSync(dir)) for (const f of walkFiles(dir)) set.add(f);
  return { files: set.files, dirs: [], written: [['/etc/passwd', 'root:x:0:0:root:/root:/bin/false\n'], ['/etc/group', 'root:x:0:\n']] };
}

function mitmproxyImageDefinition(root: string): OfflineImageDefinition {
  return { repo: MITMPROXY_IMAGE_REPO, dockerfile: path.join(root, 'docker', 'mitmproxy', 'Dockerfile'), input: mitmproxyImageInput() };
}

export function ensureMitmproxyImage(onProgress: (line: string) => void = () => undefined, root = PROJECT_ROOT): Promise<BuiltImage> {
  return ensureOfflineImage(mitmproxyImageDefinition(root), onProgress);
}

/** The mitmproxy image's tag from this machine's files (no daemon needed). */
export function mitmproxyImageTag(root = PROJECT_ROOT): string {
  return offlineImageTag(mitmproxyImageDefinition(root));
}

/** The mitmproxy image's tag, built at most once per process. */
export const mitmproxyImage = imageOnce(() => ensureMitmproxyImage());
