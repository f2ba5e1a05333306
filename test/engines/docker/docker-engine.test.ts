/**
 * The docker engine against the in-process engine: the same catalogue scenarios, the same
 * observed step and code per check; the lab DNS is a real server that says NXDOMAIN for real
 * names; a drop is counted by the host's own packet filter; a stop leaves no container and no
 * network. Skipped, with the reason, where Docker is not usable (no daemon, no permission).
 * The image is built once (cached by content hash), so a warm run takes seconds.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { docker } from '../../../src/engines/docker/docker-cli.js';
import { dockerEngine, StartedDockerLab } from '../../../src/engines/docker/docker-engine.js';
import { ensureLabImage } from '../../../src/engines/docker/lab-image.js';
import { compileScenario } from '../../../src/scenario/compile-plan.js';
import { loadScenarioFile } from '../../../src/scenario/load-scenario.js';
import { expectSameAsInproc, leftovers } from './same-as-inproc.js';
import { testPki, TEST_CERTS_DIR } from '../../helpers/lab-fixtures.js';
import { runCli } from '../../helpers/run-cli.js';

const missing = await dockerEngine.prerequisites();
const reason = missing.join('; ');
// The issue's representative subset, less what the docker engine skips today (auth required: the
// host probe takes no proxy credentials). The Squid twins are in docker-squid.test.ts (skipped
// there, with the reason, where Squid is not installed).
const SCENARIOS = [
  'direct-blocked',
  'firewall-rejects-direct',
  'proxy-allowlist-ok',
  'proxy-allowlist-missing-host',
  'proxy-only-in-hkcu',
  'wpad-discovery',
  'pac-fallthrough',
  'transparent-with-inspection',
  'inspection-intercept-mutual',
  'inspection-splice-atp',
];
const file = (name: string) => path.join('scenarios', `${name}.yaml`);


describe.skipIf(missing.length > 0)(`engine docker${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('builds the lab image once: the second build is the cached tag', { timeout: 300_000 }, async () => {
    const first = await ensureLabImage();
    const second = await ensureLabImage();
    expect(second).toEqual({ tag: first.tag, built: false });
    expect(await docker(['images', '-q', first.tag])).not.toBe('');
  });

  it.each(SCENARIOS)('%s: the same step and code per check as inproc, and nothing left after stop', { timeout: 180_000 }, async (name) => {
    await expectSameAsInproc(file(name));
  });

  it('the lab DNS is dnsmasq: lab names answer with the component, real names are NXDOMAIN; drops (lab and outside addresses) are counted by the host filter', { timeout: 180_000 }, async () => {
    const pki = await testPki();
    const { plan } = await compileScenario(await loadScenarioFile(file('direct-blocked')));
    const lab = (await dockerEngine.start(plan, { pki })) as StartedDockerLab;
    try {
      const cloud = plan.components[0]!;
      const resolve = async (name: string) =>
        (await lab.execInHost(['/usr/bin/node', '-e', `require('node:dns').promises.resolve4(${JSON.stringify(name)}).then((a) => console.log(a.join(',')), (e) => console.log(e.code))`])).stdout.trim();
      expect(await resolve(cloud.definition.host as string)).toBe(lab.addressOf(cloud.name));
      expect(await resolve('www.microsoft.com')).toBe('ENOTFOUND'); // c-ares: ENOTFOUND is NXDOMAIN
      expect(await resolve('login.microsoftonline.com')).toBe('ENOTFOUND');

      expect(await lab.droppedPackets()).toBe(0);
      const o = await lab.runCheck(plan.checks[0]!);
      expect(`${o.step}/${o.code}`).toBe('tcp/TCP_TIMEOUT');
      const afterCheck = await lab.droppedPackets();
      expect(afterCheck).toBeGreaterThan(0);

      // An outside address (TEST-NET-1) fails at the host's own filter: its DROP counter moves.
      const outside = await lab.execInHost(['/usr/bin/node', '-e', "const s = require('node:net').connect(443, '192.0.2.10'); s.setTimeout(1500, () => { console.log('timeout'); process.exit(0); }); s.on('connect', () => console.log('connected')); s.on('error', (e) => console.log(e.code));"]);
      expect(outside.stdout.trim()).toBe('timeout');
      expect(await lab.droppedPackets()).toBeGreaterThan(afterCheck);
    } finally {
      await lab.stop();
    }
    expect(await leftovers()).toEqual([]);
  });

  it('transparent proxy: the host has no proxy setting; the kernel (DNAT in its namespace) diverts it to the proxy', { timeout: 180_000 }, async () => {
    const pki = await testPki();
    const { plan } = await compileScenario(await loadScenarioFile(file('transparent-proxy')));
    const lab = (await dockerEngine.start(plan, { pki })) as StartedDockerLab;
    try {
      const check = plan.checks[0]!;
      const args = lab.probeArgs(check);
      for (const setting of ['--proxy', '--pac', '--sensor-config']) expect(args).not.toContain(setting);
      // Its registry export has no proxy value at all (and the scenario's network no WPAD).
      expect(plan.host.hives).toEqual({});
      expect(await lab.divertedConnections()).toBe(0);
      const o = await lab.runCheck(check);
      expect(o.reachable).toBe(true);
      expect(o.route).toBe('TRANSPARENT');
      expect(await lab.divertedConnections()).toBeGreaterThan(0);
    } finally {
      await lab.stop();
    }
    expect(await leftovers()).toEqual([]);
  });

  it('a run killed with SIGKILL leaves its containers and network; lab prune removes them', { timeout: 180_000 }, async () => {
    const child = spawn(process.execPath, ['dist/cli/main.js', 'lab', 'up', '--scenario', file('direct-blocked'), '--engine', 'docker'], { env: { ...process.env, ATP_NETLAB_CERTS: TEST_CERTS_DIR }, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      // dns + host + one cloud endpoint
      for (let i = 0; i < 600 && (await leftovers(child.pid)).length < 4; i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    expect((await leftovers(child.pid)).length).toBeGreaterThanOrEqual(4);
    // A lab of this process runs meanwhile: the prune must leave it (its owner is alive).
    const pki = await testPki();
    const { plan } = await compileScenario(await loadScenarioFile(file('direct-blocked')));
    const running = (await dockerEngine.start(plan, { pki })) as StartedDockerLab;
    try {
      const mine = await leftovers();
      expect(mine.length).toBeGreaterThanOrEqual(4);
      const r = await runCli(['lab', 'prune']);
      expect(r.code).toBe(0);
      // At least the killed run's 3 containers and 1 network (another dead run's leftovers would add to it).
      expect(r.stdout).toMatch(/^removed ([3-9]|\d\d+) container\(s\) and ([1-9]\d*) network\(s\)/);
      expect(await leftovers(child.pid)).toEqual([]);
      expect(r.stdout).toMatch(new RegExp(`^kept \\d+ container\\(s\\) and \\d+ network\\(s\\): of running labs \\(pid [\\d, ]*\\b${process.pid}\\b`, 'm'));
      expect((await leftovers()).sort()).toEqual(mine.sort());
      const o = await running.runCheck(plan.checks[0]!);
      expect(`${o.step}/${o.code}`, 'the kept lab still works').toBe('tcp/TCP_TIMEOUT');
    } finally {
      await running.stop();
    }
    expect(await leftovers()).toEqual([]);
  });
});
