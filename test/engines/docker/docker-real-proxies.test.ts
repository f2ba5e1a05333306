/**
 * Squid and mitmproxy in containers of their own under the docker engine (mitmproxy below): the offline Squid image is built
 * once (content hash), Squid twins give the same step and code per check as in process, and
 * the component's records are Squid's own access log (TCP_TUNNEL/200 per CONNECT, the host
 * named by its lab address). Skipped with the reason where Docker or Squid is missing.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { docker, dockerExit } from '../../../src/engines/docker/docker-cli.js';
import { dockerEngine, StartedDockerLab } from '../../../src/engines/docker/docker-engine.js';
import { ensureMitmproxyImage, mitmproxyImageUnavailable } from '../../../src/engines/docker/mitmproxy-image.js';
import { ensureSquidImage, squidImageUnavailable } from '../../../src/engines/docker/squid-image.js';
import type { SquidRecord } from '../../../src/lab/squid-access-log.js';
import { compileScenario } from '../../../src/scenario/compile-plan.js';
import { loadScenarioFile } from '../../../src/scenario/load-scenario.js';
import { expectSameAsInproc, leftovers } from './same-as-inproc.js';
import { testPki } from '../../helpers/lab-fixtures.js';

const missing = [...(await dockerEngine.prerequisites()), ...[squidImageUnavailable()].filter((x): x is string => !!x)];
const reason = missing.join('; ');
// Forward proxy (allow list hit and miss) and ssl_bump middlebox (splice, bump with the sensor's certificate).
// squid-denies-with-reset: Squid resets the CONNECT (deny_info TCP_RESET); the host's real probe
// reads Squid's own access log (mounted read-only, `probe --proxy-log`) and calls it the policy
// denial it is, as the in-process engine does from the same log. squid-auth-required:
// basic_ncsa_auth, CurrentUser's credentials from the host's 0600 file (--proxy-credentials-file).
const TWINS = ['squid-allowlist-ok', 'squid-allowlist-missing-host', 'squid-splice-atp', 'squid-intercept-mutual', 'squid-denies-with-reset', 'squid-auth-required'];
const file = (name: string) => path.join('scenarios', 'twins', `${name}.yaml`);


describe.skipIf(missing.length > 0)(`engine docker, squid in its own container${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('builds the Squid image once: the second build is the cached tag, and it holds Squid and its helpers', { timeout: 300_000 }, async () => {
    const first = await ensureSquidImage();
    expect(await ensureSquidImage()).toEqual({ tag: first.tag, built: false });
    // The image's own Squid answers -v (FROM scratch: nothing else in it runs it).
    const v = await docker(['run', '--rm', '--network', 'none', first.tag, '-v']);
    expect(v).toMatch(/^Squid Cache: Version \d+\.\d+/);
    // Its helpers run too (the dynamic loader and libraries ldd named are in the image).
    const certgen = await dockerExit(['run', '--rm', '--network', 'none', '--entrypoint', '/usr/lib/squid/security_file_certgen', first.tag, '-h']);
    expect(certgen.stdout + certgen.stderr).toMatch(/usage/i);
    const ncsa = await dockerExit(['run', '--rm', '--network', 'none', '--entrypoint', '/usr/lib/squid/basic_ncsa_auth', first.tag]);
    expect(ncsa.stdout + ncsa.stderr).toMatch(/Usage: ncsa_auth <passwordfile>/);
  });

  it.each(TWINS)('%s: the same step and code per check as inproc, and nothing left after stop', { timeout: 180_000 }, async (name) => {
    await expectSameAsInproc(file(name));
  });

  it("records: the Squid container's own access log, TCP_TUNNEL/200 per CONNECT from the host's lab address", { timeout: 180_000 }, async () => {
    const pki = await testPki();
    const { plan } = await compileScenario(await loadScenarioFile(file('squid-allowlist-ok')));
    const lab = (await dockerEngine.start(plan, { pki })) as StartedDockerLab;
    try {
      expect(lab.records('corp-proxy')).toEqual([]);
      const check = plan.checks[0]!;
      expect((await lab.runCheck(check)).reachable).toBe(true);
      // Squid writes the line when the tunnel closes: wait for it (bounded).
      let recs: SquidRecord[] = [];
      for (let i = 0; i < 100 && !recs.length; i++, await new Promise((r) => setTimeout(r, 50))) recs = lab.records('corp-proxy') as SquidRecord[];
      expect(recs.length).toBeGreaterThan(0);
      expect(recs[0]).toMatchObject({ source: 'squid', from: 'windows-host', method: 'CONNECT', result: 'TCP_TUNNEL', status: 200, decision: 'tunnel', port: 443 });
      expect(recs.map((r) => r.target)).toContain(check.host);
      // The container runs the image's Squid, not a Node component.
      const inspect = await docker(['inspect', '-f', '{{.Config.Image}} {{json .Config.Entrypoint}}', lab.container(`c${plan.components.find((c) => c.name === 'corp-proxy')!.slot}`)]);
      expect(inspect).toMatch(/^atp-netlab\/squid:[0-9a-f]{16} \["\/usr\/sbin\/squid"\]$/);
    } finally {
      await lab.stop();
    }
    expect(await leftovers()).toEqual([]);
  });
});

const noMitm = [...(await dockerEngine.prerequisites()), ...[mitmproxyImageUnavailable()].filter((x): x is string => !!x)].join('; ');
// Every mitmproxy twin: intercept with and without the sensor's certificate, splice, an untrusted CA.
const MITM_TWINS = ['mitmproxy-intercept-mutual', 'mitmproxy-intercept-no-mutual', 'mitmproxy-splice-atp', 'mitmproxy-untrusted-ca'];

describe.skipIf(noMitm !== '')(`engine docker, mitmproxy in its own container${noMitm ? ` (skipped: ${noMitm})` : ''}`, () => {
  it('builds the mitmproxy image once (Debian packages, python3.11), and its mitmdump runs', { timeout: 300_000 }, async () => {
    const first = await ensureMitmproxyImage();
    expect(await ensureMitmproxyImage()).toEqual({ tag: first.tag, built: false });
    expect(await docker(['run', '--rm', '--network', 'none', first.tag, '--version'])).toMatch(/^Mitmproxy: \d+\.\d+/m);
  });

  it.each(MITM_TWINS)('%s: the same step and code per check as inproc, and nothing left after stop', { timeout: 180_000 }, async (name) => {
    await expectSameAsInproc(file(name));
  });

  it("records: mitmdump's own flow log, from the host's lab address", { timeout: 180_000 }, async () => {
    const pki = await testPki();
    const { plan } = await compileScenario(await loadScenarioFile(file('mitmproxy-splice-atp')));
    const lab = (await dockerEngine.start(plan, { pki })) as StartedDockerLab;
    try {
      const box = plan.components.find((c) => c.type === 'mitmproxy')!;
      const check = plan.checks[0]!;
      expect((await lab.runCheck(check)).reachable).toBe(true);
      let recs: { from?: string }[] = [];
      for (let i = 0; i < 100 && !recs.length; i++, await new Promise((r) => setTimeout(r, 50))) recs = lab.records(box.name) as { from?: string }[];
      expect(recs.length).toBeGreaterThan(0);
      expect(JSON.stringify(recs)).toContain(check.host);
    } finally {
      await lab.stop();
    }
    expect(await leftovers()).toEqual([]);
  });
});
