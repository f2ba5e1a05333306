/**
 * The files of installed Debian packages and of their installed dependencies, as dpkg knows
 * them (dpkg-query, dpkg -L): how an offline image takes a program that is more than one
 * binary (mitmproxy: python3.11, its standard library and dist-packages) from this machine.
 * Documentation is left out; a symlink to a file is copied as the file, a symlinked folder skipped.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

function query(format: string, pkg: string): string | undefined {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', format, pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/** `pkgs` and every installed package they depend on (recursively) that `follow` accepts. */
export function packageClosure(pkgs: readonly string[], follow: (name: string) => boolean): string[] {
  const seen = new Set<string>();
  const todo = [...pkgs];
  while (todo.length) {
    const p = todo.pop()!;
    if (seen.has(p)) continue;
    const status = query('${db:Status-Status}', p);
    if (status !== 'installed') continue;
    seen.add(p);
    const deps = query('${Depends},${Pre-Depends}', p) ?? '';
    for (const alternatives of deps.split(',')) {
      // The first alternative that is installed (virtual names are provided by a real package: skipped).
      const names = alternatives.split('|').map((a) => a.replace(/\(.*?\)/g, '').trim().split(':')[0]!).filter(Boolean);
      const installed = names.find((n) => follow(n) && query('${db:Status-Status}', n) === 'installed');
      if (installed) todo.push(installed);
    }
  }
  return [...seen].sort();
}

/** The regular files of the packages (a symlink to a file counts as the file), without docs. */
export function packageFiles(pkgs: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of pkgs) {
    const list = execFileSync('dpkg', ['-L', p], { encoding: 'utf8' }).split('\n');
    for (const f of list) {
      if (!f || /^\/usr\/share\/(doc|man|lintian)\//.test(f)) continue;
      try {
        if (fs.statSync(f).isFile()) out.add(f);
      } catch {
        // listed but not on disk (a dangling link, a removed conffile)
      }
    }
  }
  return [...out].sort();
}

/** Whether a file is an ELF object (a binary or a shared library that ldd can read). */
export function isElf(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    return fs.readSync(fd, b, 0, 4, 0) === 4 && b.toString('latin1') === '\x7fELF';
  } finally {
    fs.closeSync(fd);
  }
}
