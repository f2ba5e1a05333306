/**
 * The runner in-process: expectations compared, and every socket and server closed after the
 * scenarios (no handle left for the process to wait on).
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/scenario/load-scenario.js';
import { runScenarios } from '../../src/scenario/run-scenario.js';
import { testPki } from '../helpers/lab-fixtures.js';

const NETWORK_RESOURCES = new Set(['TCPServerWrap', 'TCPWrap', 'TLSWrap', 'TCPSocketWrap', 'PipeWrap']);
const openNetworkResources = () => process.getActiveResourcesInfo().filter((r) => NETWORK_RESOURCES.has(r)).length;

describe('runScenarios', () => {
  it('runs scenarios with every component type and leaves no network handle open', async () => {
    const before = openNetworkResources();
    const files = ['proxy-auth-required', 'wpad-discovery', 'inspection-intercept-no-mutual', 'transparent-with-inspection', 'revocation-hosts-blocked', 'proxy-copied-per-doc'];
    const loaded = await Promise.all(files.map((f) => loadScenarioFile(`scenarios/${f}.yaml`)));
    const report = await runScenarios(loaded, { pki: await testPki(), concurrency: 3 });
    expect(report.summary).toEqual({ scenarios: 6, passed: 6, failed: 0, skipped: 0 });
    expect(report.scenarios.find((s) => s.name === 'proxy-copied-per-doc')!.steps!.join(' ')).toMatch(/proxy-copy to LocalService, LocalSystem: applied/);
    await new Promise((r) => setTimeout(r, 50));
    expect(openNetworkResources()).toBeLessThanOrEqual(before);
  });

  it('a wrong expectation fails the scenario with the difference spelled out', async () => {
    const loaded = await loadScenarioFile('scenarios/direct-blocked.yaml');
    loaded.scenario.expect[0]!.code = 'TCP_REFUSED';
    const report = await runScenarios([loaded], { pki: await testPki(), concurrency: 1 });
    const s = report.scenarios[0]!;
    expect(s.passed).toBe(false);
    expect(s.checks.every((c) => c.mismatches.includes('code: expected TCP_REFUSED, observed TCP_TIMEOUT'))).toBe(true);
  });
});
