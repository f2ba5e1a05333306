/**
 * No Docker daemon: every docker command says what to do in one line and exits 2, before
 * anything starts. Needs only the docker CLI (the daemon is pointed at a socket that does not exist).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.js';

const hasCli = (process.env.PATH ?? '').split(':').some((d) => d && fs.existsSync(`${d}/docker`));
const env = { ...process.env, DOCKER_HOST: 'unix:///nonexistent/atp-netlab-test.sock' };

describe.skipIf(!hasCli)(`docker prerequisites${hasCli ? '' : ' (skipped: no docker CLI)'}`, () => {
  it.each([
    [['run', 'scenarios/direct-blocked.yaml', '--engine', 'docker']],
    [['images', 'build']],
    [['images', 'list']],
    [['lab', 'prune']],
  ])('%j with no daemon: one line saying how to start it, exit 2', async (args) => {
    const r = await runCli(args, { env });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Docker daemon is not running: start it/);
    expect(r.stdout).toBe('');
  });
});
