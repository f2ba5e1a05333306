/**
 * The package as a user gets it: `npm pack`, the tarball installed into a temporary prefix,
 * then run from an empty folder. It must find its bundled scenarios, keep its PKI in the
 * user's cache folder, write nothing to the current folder, and fail in one line (not a stack)
 * when asked to write where it may not. Install is offline from npm's cache when it can be
 * (the registry is only a fallback), and every step is time-bounded.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PACK_TIMEOUT_MS = 60_000;
const INSTALL_TIMEOUT_MS = 150_000;
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { name: string; version: string };

let root = '';
let bin = '';
let installed = '';
let home = '';
let work = '';

const run = (cmd: string, args: string[], opts: SpawnSyncOptions & { timeout: number }) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  return { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') + (r.error ? String(r.error) : '') };
};

/** The user's environment: no test PKI override, a home of its own, no colour. */
const userEnv = (userHome = home): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: userHome, NO_COLOR: '1' };
  delete env.ATP_NETLAB_CERTS;
  delete env.XDG_CACHE_HOME;
  return env;
};
const cli = (args: string[], cwd = work, timeout = 60_000) => run(bin, args, { cwd, env: userEnv(), timeout });

beforeAll(() => {
  expect(fs.existsSync('dist/cli/main.js'), 'build first (npm run build)').toBe(true);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'atp-packed-'));
  fs.chmodSync(root, 0o755);
  home = path.join(root, 'home');
  work = path.join(root, 'empty');
  fs.mkdirSync(home);
  fs.mkdirSync(work);
  // dist is already built by the suite; prepare would rebuild it for nothing
  const pack = run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', root], { timeout: PACK_TIMEOUT_MS });
  expect(pack.code, pack.stderr).toBe(0);
  const tarball = path.join(root, `${pkg.name}-${pkg.version}.tgz`);
  const prefix = path.join(root, 'prefix');
  const install = (mode: string) => run('npm', ['install', '-g', '--prefix', prefix, tarball, mode, '--ignore-scripts', '--no-audit', '--no-fund'], { timeout: INSTALL_TIMEOUT_MS });
  let r = install('--offline');
  if (r.code !== 0) r = install('--prefer-offline');
  expect(r.code, r.stderr).toBe(0);
  bin = path.join(prefix, 'bin', 'atp-netlab');
  installed = path.join(prefix, 'lib', 'node_modules', pkg.name);
}, PACK_TIMEOUT_MS + 2 * INSTALL_TIMEOUT_MS);

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('the packed package, installed, run from an empty folder', () => {
  it('--version, and list finds the bundled scenarios and says where they are', () => {
    expect(cli(['--version']).stdout.trim()).toBe(pkg.version);
    const r = cli(['list']);
    expect(r.code, r.stderr).toBe(0);
    const first = r.stdout.split('\n')[0]!;
    expect(first).toContain(path.join(installed, 'scenarios'));
    expect(first).toContain('bundled');
    expect(r.stdout).toContain('direct-internet');
    expect(fs.readdirSync(work)).toEqual([]);
  });

  it('runs a bundled scenario; the PKI goes to ~/.cache/atp-netlab, nothing to the current folder', () => {
    const r = cli(['run', path.join(installed, 'scenarios', 'direct-internet.yaml')]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('1 passed');
    expect(fs.existsSync(path.join(home, '.cache', 'atp-netlab', 'certs', 'manifest.json'))).toBe(true);
    expect(fs.readdirSync(work)).toEqual([]);
  });

  it('ships every docs/, scenarios/ and src/ path the README names', () => {
    const readme = fs.readFileSync(path.join(installed, 'README.md'), 'utf8');
    const named = [...new Set([...readme.matchAll(/`((?:docs|scenarios|src)\/[\w./-]+)`/g)].map((m) => m[1]!.replace(/\/$/, '')))];
    expect(named.length).toBeGreaterThan(3);
    expect(named.filter((p) => !fs.existsSync(path.join(installed, p)))).toEqual([]);
  });

  it('from a folder it may not write to: a run works, and asking it to write there is one line, exit 4', () => {
    const locked = path.join(root, 'locked');
    fs.mkdirSync(locked, { mode: 0o555 });
    fs.chmodSync(locked, 0o555);
    // root writes anywhere: drop to nobody for this check (its home and cache are its own)
    const asRoot = process.getuid?.() === 0;
    const nobodyHome = path.join(root, 'nobody-home');
    fs.mkdirSync(nobodyHome);
    if (asRoot) fs.chownSync(nobodyHome, 65534, 65534);
    const as = (args: string[]) =>
      asRoot
        ? run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bin, ...args], { cwd: locked, env: userEnv(nobodyHome), timeout: 60_000 })
        : run(bin, args, { cwd: locked, env: userEnv(nobodyHome), timeout: 60_000 });
    {
      const ok = as(['run', path.join(installed, 'scenarios', 'direct-internet.yaml')]);
      expect(ok.code, ok.stderr).toBe(0);
      const refused = as(['run', path.join(installed, 'scenarios', 'direct-internet.yaml'), '--junit', 'out/junit.xml']);
      expect(refused.code, refused.stderr).toBe(4);
      expect(refused.stderr).toMatch(/^atp-netlab: .*(EACCES|permission)/im);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
      expect(fs.readdirSync(locked)).toEqual([]);
    }
  });
});
