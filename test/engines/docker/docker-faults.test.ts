/**
 * Scenario faults under the docker engine (a fault relay container on each faulted link,
 * the same plugins as in process): the same observed step and code per check as inproc, the
 * relay's fault events in the check's detail, the kernel really sending the link to the relay, and nothing
 * left after stop. Skipped, with the reason, where Docker is not usable.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { docker } from '../../../src/engines/docker/docker-cli.js';
import { dockerEngine, dockerRunsStarted, StartedDockerLab } from '../../../src/engines/docker/docker-engine.js';
import { relayedConnections } from '../../../src/engines/docker/fault-relay.js';
import { inprocEngine } from '../../../src/engines/inproc/inproc-engine.js';
import { compileScenario } from '../../../src/scenario/compile-plan.js';
import { loadScenarioFile } from '../../../src/scenario/load-scenario.js';
import { runScenario } from '../../../src/scenario/run-scenario.js';
import { dockerLeftovers } from '../../helpers/docker-leftovers.js';
import { testPki } from '../../helpers/lab-fixtures.js';

const missing = await dockerEngine.prerequisites();
const reason = missing.join('; ');
// One per link the issue names (host->proxy, proxy->middlebox, proxy->cloud, host->pac), a reset,
// a delay, a stall mid-response, a byte limit and an idle close.
const SCENARIOS = ['fault-reset-after-client-hello', 'fault-latency', 'fault-middlebox-reset', 'fault-pac-server-stall', 'fault-timeout-mid-response', 'fault-limit-data', 'fault-idle-timeout'];
const file = (name: string) => path.join('scenarios', `${name}.yaml`);

// Only this process's labs: another process may run docker labs at the same time.
const leftovers = () => dockerLeftovers({ runs: dockerRunsStarted() });

describe.skipIf(missing.length > 0)(`docker engine faults${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it.each(SCENARIOS)('%s: the same step and code as inproc, and nothing left after stop', { timeout: 300_000 }, async (name) => {
    const pki = await testPki();
    const loaded = await loadScenarioFile(file(name));
    expect(dockerEngine.unsupported((await compileScenario(loaded)).plan)).toBeUndefined();
    const inproc = await runScenario(loaded, pki, { engine: inprocEngine });
    const docked = await runScenario(loaded, pki, { engine: dockerEngine });
    expect(docked.error).toBeUndefined();
    const key = (r: typeof inproc) => r.checks.map((c) => `${c.identity} ${c.host}: ${c.observed.reachable} ${c.observed.step}/${c.observed.code}`);
    expect(key(docked)).toEqual(key(inproc));
    expect(docked.checks.length).toBeGreaterThan(0);
    expect(docked.passed).toBe(true);
    const o = docked.checks[0]!.observed;
    if (name === 'fault-reset-after-client-hello') {
      // The relay's own account of what it did, as the in-process engine says it.
      expect(o.detail).toContain('fault reset_after_client_hello on host->proxy reset a connection during this check');
    }
    if (name === 'fault-middlebox-reset') expect(o.detail).toContain('fault reset_after_client_hello on proxy->middlebox reset a connection');
    expect(await leftovers()).toEqual([]);
  });

  it('the relay is on the link: the host kernel sends the host->proxy connections to it, the proxy->cloud ones stay direct', { timeout: 180_000 }, async () => {
    const pki = await testPki();
    const { plan } = await compileScenario(await loadScenarioFile(file('fault-latency')));
    const lab = (await dockerEngine.start(plan, { pki })) as StartedDockerLab;
    try {
      const pidOf = async (container: string) => Number(await docker(['inspect', '-f', '{{.State.Pid}}', container]));
      const hostPid = await pidOf(lab.container('host'));
      const proxy = plan.components.find((c) => c.name === 'corp-proxy')!;
      expect(await relayedConnections(hostPid)).toBe(0);
      const o = await lab.runCheck(plan.checks[0]!);
      expect(`${o.step}/${o.code}`).toBe('http/OK');
      expect(await relayedConnections(hostPid)).toBeGreaterThan(0);
      expect(await relayedConnections(await pidOf(lab.container(`c${proxy.slot}`)))).toBe(0);
    } finally {
      await lab.stop();
    }
    expect(await leftovers()).toEqual([]);
  });
});
