/**
 * `atp-netlab load` end to end on the in-process engine: real sockets, real TLS with each
 * sensor's own certificate, the lab's real proxies. The truth about who got through comes
 * from the lab cloud's own records, not from the sensors' view.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { engineByName } from '../../src/engines/index.js';
import { renderLoadHtml } from '../../src/load/load-html.js';
import { runLoad } from '../../src/load/run-load.js';
import { LabPki } from '../../src/pki/index.js';
import { loadScenarioFile } from '../../src/scenario/load-scenario.js';
import { trackedTempDirs } from '../../src/temp-dirs.js';
import { runCli } from '../helpers/run-cli.js';
import { TEST_CERTS_DIR } from '../helpers/test-certs.js';

let pki: LabPki;
beforeAll(async () => {
  pki = await LabPki.load(TEST_CERTS_DIR);
});
const openFds = () => readdirSync('/proc/self/fd').length;
// This process's own temporary folders (other processes on the machine may make theirs).
const tempEntries = () => [...trackedTempDirs()].sort();

describe('load: a fleet of simulated sensors through a scenario', () => {
  it('through an allowlisting proxy: every sensor connects with its own certificate, the cloud sees each, nothing is left behind', async () => {
    const fdsBefore = openFds();
    const tempBefore = tempEntries();
    const r = await runLoad({ loaded: await loadScenarioFile('scenarios/proxy-allowlist-ok.yaml'), pki, engine: engineByName('inproc'), sensors: 25, durationMs: 4_000, rampMs: 200, stoppedAfterMs: 3_000 });
    const s = r.summary;
    expect(s.sensors).toBe(25);
    expect(s.connectionsEstablished).toBe(25);
    expect(s.errorsByCode).toEqual({});
    expect(s.stoppedCommunicating).toBe(0);
    expect(s.requests).toBeGreaterThanOrEqual(25 * 3);
    expect(s.requestLatencyMs.p50).toBeGreaterThan(0);
    expect(s.requestLatencyMs.p99!).toBeGreaterThanOrEqual(s.requestLatencyMs.p50!);
    // The cloud's own records: 25 distinct enrolled client certificates came through the proxy.
    expect(r.cloud.distinctSensors).toBe(25);
    expect(r.cloud.requests).toBeGreaterThanOrEqual(s.requests);
    expect(s.series.some((b) => b.connected === 25)).toBe(true);
    // Nothing left: fds back to baseline (a little slack for the runner), no temp folders.
    await new Promise((res) => setTimeout(res, 200));
    expect(openFds()).toBeLessThanOrEqual(fdsBefore + 5);
    expect(tempEntries()).toEqual(tempBefore);
    const html = renderLoadHtml(r);
    expect(html).toContain('data-load-summary="connectionsEstablished">25<');
    expect(html).toMatch(/<svg data-plot="connected"[\s\S]*?<polyline data-points="[1-9]/);
  }, 30_000);

  it('through a proxy that wants credentials LocalSystem cannot give: errors are the probe\'s code, and every sensor stopped communicating', async () => {
    const r = await runLoad({ loaded: await loadScenarioFile('scenarios/proxy-auth-required.yaml'), pki, engine: engineByName('inproc'), sensors: 10, durationMs: 3_000, rampMs: 0, stoppedAfterMs: 1_000 });
    expect(r.summary.connectionsEstablished).toBe(0);
    expect(Object.keys(r.summary.errorsByCode)).toEqual(['PROXY_AUTH_REQUIRED']);
    expect(r.summary.errorsByCode.PROXY_AUTH_REQUIRED).toBeGreaterThanOrEqual(10);
    // Each failure is retried after a jittered backoff, never in a tight loop.
    expect(r.summary.reconnects).toBeGreaterThanOrEqual(10);
    expect(r.summary.reconnects).toBeLessThan(10 * 20);
    expect(r.summary.stoppedCommunicating).toBe(10);
    expect(r.cloud.distinctSensors).toBe(0);
  }, 30_000);

  it('SSL inspection without mutual support: the sensors\' calls fail as INSPECTION_BREAKS_MUTUAL_AUTH', async () => {
    const r = await runLoad({ loaded: await loadScenarioFile('scenarios/inspection-intercept-no-mutual.yaml'), pki, engine: engineByName('inproc'), sensors: 5, durationMs: 2_000 });
    expect(Object.keys(r.summary.errorsByCode)).toEqual(['INSPECTION_BREAKS_MUTUAL_AUTH']);
    expect(r.cloud.distinctSensors).toBe(0);
  }, 30_000);

  it('the command: bounded input, exit 1 when sensors stopped communicating, JSON on stdout with -', async () => {
    const bad = await runCli(['load', '--scenario', 'scenarios/proxy-allowlist-ok.yaml', '--sensors', '100000'], { timeoutMs: 20_000 });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--sensors: 100000 is not an integer from 1 to 2000/);
    const dur = await runCli(['load', '--scenario', 'scenarios/proxy-allowlist-ok.yaml', '--duration', 'forever'], { timeoutMs: 20_000 });
    expect(dur.code).toBe(2);
    expect(dur.stderr).toMatch(/--duration: "forever" is not a duration/);
    const down = await runCli(['load', '--scenario', 'scenarios/direct-blocked.yaml', '--sensors', '5', '--duration', '3s', '--stopped-after', '1s', '--json', '-'], { timeoutMs: 30_000 });
    expect(down.code).toBe(1);
    const report = JSON.parse(down.stdout);
    expect(report).toMatchObject({ tool: 'atp-netlab', schema: 1, kind: 'load', scenario: 'direct-blocked', summary: { sensors: 5, stoppedCommunicating: 5, stoppedCommunicatingThresholdMs: 1000 } });
    expect(Object.keys(report.summary.errorsByCode)).toEqual(['TCP_TIMEOUT']);
    const ok = await runCli(['load', '--scenario', path.join('scenarios', 'proxy-allowlist-ok.yaml'), '--sensors', '5', '--duration', '3s', '--stopped-after', '3s'], { timeoutMs: 30_000 });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/connections established\s+5/);
    // Not a terminal: progress as whole lines on stderr, never carriage returns.
    expect(ok.stderr).toMatch(/^load: \d+\/3 s, \d+\/5 connected/m);
    expect(ok.stderr).not.toContain('\r');
  }, 90_000);
});
