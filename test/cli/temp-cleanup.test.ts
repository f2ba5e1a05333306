/**
 * Temporary folders are per user and per run, and an interrupted `run` (a real SIGINT or
 * SIGTERM to the spawned CLI) leaves none behind.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirPrefix } from '../../src/temp-dirs.js';
import { TEST_CERTS_DIR } from '../helpers/test-certs.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atp-tempclean-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function ours(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.startsWith('atp-netlab-'));
}

describe('temporary folders', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s during run removes every atp-netlab-<uid>-host-* folder', { timeout: 60_000 }, async (sig) => {
    const tmpdir = fs.mkdtempSync(path.join(tmp, `${sig}-`));
    const child = spawn(process.execPath, [path.resolve('dist/cli/main.js'), 'run', 'scenarios/customer-reg-export.yaml', 'scenarios/proxy-auth-required.yaml', '--concurrency', '1'], {
      env: { ...process.env, TMPDIR: tmpdir, ATP_NETLAB_CERTS: TEST_CERTS_DIR, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    // Wait until the run has made its host folder, then interrupt it.
    const deadline = Date.now() + 30_000;
    let seen: string[] = [];
    while (Date.now() < deadline) {
      seen = ours(tmpdir);
      if (seen.some((n) => n.includes('-host-'))) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(seen.some((n) => n.startsWith(`${tempDirPrefix()}host-`)), `no host folder appeared; stderr: ${stderr}`).toBe(true);
    child.kill(sig);
    const { code } = await exited;
    expect(code, stderr).toBe(sig === 'SIGINT' ? 130 : 143);
    expect(stderr).toMatch(new RegExp(`${sig}: stopped; temporary folders removed`));
    expect(ours(tmpdir)).toEqual([]);
  });

  it('names carry the user id, so users never share a folder', () => {
    expect(tempDirPrefix()).toBe(`atp-netlab-${process.getuid?.() ?? os.userInfo().username}-`);
  });
});
