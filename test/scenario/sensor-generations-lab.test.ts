/**
 * The sensor generations in the lab: v2's own proxy with credentials it really sends (and
 * that never reach a report), v2-wininet ignoring the file, v3's scenarios, and the file
 * form of SensorConfiguration.json confined to the scenario's folder.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderJsonReport } from '../../src/report/json-report.js';
import { compileScenario, redactPlan } from '../../src/scenario/compile-plan.js';
import { loadScenarioFile } from '../../src/scenario/load-scenario.js';
import { runScenarios } from '../../src/scenario/run-scenario.js';
import { testPki } from '../helpers/lab-fixtures.js';

const SECRET = 'lab-only-secret';
const CREDS = 'scenarios/v2-sensor-holds-proxy-credentials.yaml';

describe('sensor generations in the lab', () => {
  it('every v2 and v3 scenario passes, and the sensor\'s proxy password appears in no report or plan', async () => {
    const files = (await fs.readdir('scenarios')).filter((f) => /^v[23]-.*\.yaml$/.test(f)).sort();
    expect(files.length).toBeGreaterThanOrEqual(7);
    const loaded = await Promise.all(files.map((f) => loadScenarioFile(`scenarios/${f}`)));
    const report = await runScenarios(loaded, { pki: await testPki(), concurrency: 2 });
    expect(report.scenarios.filter((s) => !s.passed).map((s) => s.name)).toEqual([]);
    const json = renderJsonReport(report);
    expect(json).not.toContain(SECRET);
    expect(json).not.toContain(Buffer.from(`CONTOSO\\svc-mdi-proxy:${SECRET}`).toString('base64'));
    const plan = JSON.stringify(redactPlan((await compileScenario(loaded.find((l) => l.file.endsWith('v2-sensor-holds-proxy-credentials.yaml'))!)).plan));
    expect(plan).not.toContain(SECRET);
    expect((JSON.parse(plan) as { host: { sensorProxy: unknown } }).host.sensorProxy).toMatchObject({ proxyUrl: 'http://corp-proxy:8080', credentials: { username: '***', password: '***' } });
    const v3 = JSON.parse(json).scenarios.find((s: { name: string }) => s.name === 'v3-telemetry-proxy-server');
    expect(v3.checks[0].observed).toMatchObject({ pingAnswer: 'v3-cnc-500', sensor: 'v3', routeSource: 'telemetry-proxy-server' });
  }, 60_000);

  it('the sensor really sends its credentials: a wrong password in the file makes the proxy refuse them', async () => {
    const loaded = await loadScenarioFile(CREDS);
    loaded.scenario.host.sensorConfiguration!.password = 'wrong';
    const report = await runScenarios([loaded], { pki: await testPki(), concurrency: 1 });
    const ls = report.scenarios[0]!.checks.find((c) => c.identity === 'LocalService')!;
    expect(ls.observed.code).toBe('PROXY_AUTH_REQUIRED');
    expect(ls.observed.detail).toMatch(/the credentials offered were refused/);
    expect(ls.observed.detail).not.toContain('wrong');
  });

  it('sensor v2-wininet ignores SensorConfiguration.json: the sensor service is back on WinINET and stops at 407', async () => {
    const loaded = await loadScenarioFile(CREDS);
    loaded.scenario.sensor = 'v2-wininet';
    const report = await runScenarios([loaded], { pki: await testPki(), concurrency: 1 });
    const ls = report.scenarios[0]!.checks.find((c) => c.identity === 'LocalService')!;
    expect(ls.observed).toMatchObject({ code: 'PROXY_AUTH_REQUIRED', routeSource: 'wininet-static' });
    expect(report.scenarios[0]!.steps!.join(' ')).toMatch(/sensorConfiguration is ignored: sensor v2-wininet/);
  });

  it('a SensorConfiguration.json outside the scenario folder is refused, naming the field', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'atpnl-sensorcfg-'));
    try {
      await fs.mkdir(path.join(dir, 'inner'));
      await fs.writeFile(path.join(dir, 'SensorConfiguration.json'), '{"SensorProxyConfiguration":{"Url":"http://p:8080"}}');
      const text = (await fs.readFile(CREDS, 'utf8')).replace(/sensorConfiguration: \{[^}]*\}/, 'sensorConfiguration: { file: ../SensorConfiguration.json }');
      await fs.writeFile(path.join(dir, 'inner', 's.yaml'), text);
      const loaded = await loadScenarioFile(path.join(dir, 'inner', 's.yaml'));
      await expect(compileScenario(loaded)).rejects.toMatchObject({ location: { field: 'host.sensorConfiguration.file' } });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
