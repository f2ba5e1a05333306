/**
 * `atp-netlab load --engine docker`: simulated sensors in this process reach the lab's
 * containers over the lab's own Docker network (lab dnsmasq, the plan's firewall, the fault
 * relay on host links); the lab clouds in their containers learn the fleet over their request
 * channel and report, from their own records, who got through. Bounded, and nothing is left:
 * no container, no network, no fd. Skipped, with the reason, where Docker is not usable.
 */
import fs from 'node:fs';
import os from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../../../src/engines/docker/docker-cli.js';
import { dockerEngine, dockerRunsStarted } from '../../../src/engines/docker/docker-engine.js';
import { ensureLabImage } from '../../../src/engines/docker/lab-image.js';
import { runLoad } from '../../../src/load/run-load.js';
import { LabPki } from '../../../src/pki/index.js';
import { loadScenarioFile } from '../../../src/scenario/load-scenario.js';
import { dockerLeftovers } from '../../helpers/docker-leftovers.js';
import { TEST_CERTS_DIR } from '../../helpers/test-certs.js';
import { runCli } from '../../helpers/run-cli.js';

const missing = await dockerEngine.prerequisites();
const reason = missing.join('; ');
const openFds = () => fs.readdirSync('/proc/self/fd').length;
// Only this process's labs (another process may run docker labs at the same time).
const mine = (name: string) => [...dockerRunsStarted()].some((r) => name.startsWith(`atpnl-docker-${r}-`));
const labDirs = () => fs.readdirSync(os.tmpdir()).filter(mine).sort();
const leftovers = () => dockerLeftovers({ runs: dockerRunsStarted() });

let pki: LabPki;
beforeAll(async () => {
  pki = await LabPki.load(TEST_CERTS_DIR);
});

describe.skipIf(missing.length > 0)(`load on the docker engine${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('through an allowlisting proxy container: every sensor connects with its own certificate, the cloud container saw each, nothing left', { timeout: 180_000 }, async () => {
    const fdsBefore = openFds();
    const dirsBefore = labDirs();
    const r = await runLoad({ loaded: await loadScenarioFile('scenarios/proxy-allowlist-ok.yaml'), pki, engine: dockerEngine, sensors: 6, durationMs: 5_000, rampMs: 200, stoppedAfterMs: 3_000 });
    const s = r.summary;
    expect(r.engine).toBe('docker');
    expect(s.connectionsEstablished).toBe(6);
    expect(s.errorsByCode).toEqual({});
    expect(s.stoppedCommunicating).toBe(0);
    expect(s.requests).toBeGreaterThanOrEqual(6 * 3);
    // The cloud container's own records: six distinct enrolled certificates came through the proxy container.
    expect(r.cloud.distinctSensors).toBe(6);
    expect(r.cloud.requests).toBeGreaterThanOrEqual(s.requests);
    expect(await leftovers()).toEqual([]);
    await new Promise((res) => setTimeout(res, 300));
    expect(openFds()).toBeLessThanOrEqual(fdsBefore + 5);
    expect(labDirs()).toEqual(dirsBefore);
  });

  it('a fault on host->proxy acts on the sensors too (the relay): 150 ms down per exchange shows in their latency', { timeout: 180_000 }, async () => {
    const r = await runLoad({ loaded: await loadScenarioFile('scenarios/fault-latency.yaml'), pki, engine: dockerEngine, identity: 'LocalService', sensors: 3, durationMs: 4_000, rampMs: 0, stoppedAfterMs: 3_000 });
    expect(r.summary.connectionsEstablished).toBe(3);
    expect(r.summary.errorsByCode).toEqual({});
    // One request is one round trip through the link: at least the 100 ms floor of 150 ± 50 down + 20 up.
    expect(r.summary.requestLatencyMs.p50).toBeGreaterThanOrEqual(100);
    expect(await leftovers()).toEqual([]);
  });

  it('the command: --engine docker, JSON on stdout, exit 0 when every sensor kept in contact, no container of this image left', { timeout: 180_000 }, async () => {
    // The CLI's lab is another process's run: its containers are told apart by this checkout's image.
    const { tag } = await ensureLabImage();
    const ofImage = async () => (await docker(['ps', '-aq', '--filter', `ancestor=${tag}`])).split('\n').filter(Boolean);
    const before = new Set(await ofImage());
    const out = await runCli(['load', '--scenario', 'proxy-allowlist-ok', '--engine', 'docker', '--sensors', '3', '--duration', '4s', '--stopped-after', '3s', '--json', '-'], { timeoutMs: 170_000 });
    expect(out.code).toBe(0);
    const report = JSON.parse(out.stdout) as { engine: string; summary: { connectionsEstablished: number }; cloud: { distinctSensors: number } };
    expect(report.engine).toBe('docker');
    expect(report.summary.connectionsEstablished).toBe(3);
    expect(report.cloud.distinctSensors).toBe(3);
    expect((await ofImage()).filter((id) => !before.has(id))).toEqual([]);
  });
});
