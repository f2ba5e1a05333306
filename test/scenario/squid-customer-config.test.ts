/**
 * `config:` on a Squid proxy: a customer's own squid.conf, read by the scenario loader like any
 * fixture (inside the scenario's folder, under its size cap), run by a real Squid with only the
 * lab's plumbing added; what Squid decided is asserted from its own access log.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inprocEngine, startInprocLab } from '../../src/engines/inproc/inproc-engine.js';
import type { StartedSquid } from '../../src/lab/squid.js';
import { loadScenarioFile } from '../../src/scenario/load-scenario.js';
import { testPki } from '../helpers/lab-fixtures.js';

const reason = inprocEngine.unsupported({ components: [{ type: 'squid' }], requires: {} } as never);
const CLOUD = 'contosoatpsensorapi.atp.azure.com';

function scenarioWith(dir: string, proxy: string): string {
  const file = path.join(dir, 'case.yaml');
  fs.writeFileSync(file, `name: case\ndescription: A customer case reproduced with their own squid.conf, to check the loader reads it as a fixture.\nworkspace: contosoATP\nnetwork:\n  proxies:\n  - ${proxy}\nhost:\n  identities:\n    LocalService: { proxy: "corp-proxy:8080" }\nexpect:\n- identities: [LocalService]\n  reachable: true\n`);
  return file;
}

describe('scenario config: a customer squid.conf', () => {
  it('is read into the definition; a path outside the folder, a file over the cap, configText written by hand, or no implementation: squid are refused', async () => {
    const loaded = await loadScenarioFile('scenarios/squid-customer-config.yaml');
    expect(loaded.scenario.network.proxies[0]!.configText).toContain('acl mdi_sensorapi dstdomain .atp.azure.com');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atpnl-squidconf-'));
    try {
      fs.mkdirSync(path.join(dir, 'inner'));
      fs.writeFileSync(path.join(dir, 'squid.conf'), 'http_access allow all\n');
      const inner = path.join(dir, 'inner');
      await expect(loadScenarioFile(scenarioWith(inner, '{ name: corp-proxy, implementation: squid, config: ../squid.conf }'))).rejects.toMatchObject({ code: 'ATPNL_FILE_OUTSIDE_ROOT' });
      fs.writeFileSync(path.join(inner, 'big.conf'), '#'.repeat(1024 * 1024 + 1));
      await expect(loadScenarioFile(scenarioWith(inner, '{ name: corp-proxy, implementation: squid, config: big.conf }'))).rejects.toMatchObject({ code: 'ATPNL_FILE_TOO_LARGE' });
      fs.copyFileSync(path.join(dir, 'squid.conf'), path.join(inner, 'squid.conf'));
      await expect(loadScenarioFile(scenarioWith(inner, '{ name: corp-proxy, config: squid.conf }'))).rejects.toMatchObject({ code: 'ATPNL_SCENARIO_INVALID' });
      await expect(loadScenarioFile(scenarioWith(inner, '{ name: corp-proxy, implementation: squid, configText: "http_access allow all" }'))).rejects.toMatchObject({ code: 'ATPNL_SCENARIO_INVALID' });
      const ok = await loadScenarioFile(scenarioWith(inner, '{ name: corp-proxy, implementation: squid, config: squid.conf }'));
      expect(ok.scenario.network.proxies[0]!.configText).toBe('http_access allow all\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(reason !== undefined)(`a real Squid runs it with only the lab's plumbing: allowed and denied CONNECTs from its access log${reason ? ` (skipped: ${reason})` : ''}`, async () => {
    const loaded = await loadScenarioFile('scenarios/squid-customer-config.yaml');
    const def = loaded.scenario.network.proxies[0]!;
    const pki = await testPki();
    await using lab = await startInprocLab({ domain: 'contoso.example', cloud: { hosts: [{ host: CLOUD }] }, firewall: { default: 'allow', rules: [] }, proxies: [def] }, pki);
    const squid = lab.component<StartedSquid>('corp-proxy')!;
    // The customer's lines that would leave the lab or its folder are comments; its policy is intact.
    expect(squid.config).toMatch(/^# atp-netlab replaced: cache_peer 10\.20\.0\.5/m);
    expect(squid.config).toMatch(/^# atp-netlab replaced: include /m);
    expect(squid.config).toMatch(/^# atp-netlab replaced: http_port 3128$/m);
    expect(squid.config).toMatch(/^http_access allow localnet mdi_sensorapi$/m);
    expect(squid.config.match(/^http_port /gm)).toHaveLength(1);
    const ep = lab.endpoints().find((e) => e.name === 'corp-proxy')!;
    const heads: string[] = [];
    for (const target of [`${CLOUD}:443`, 'portal.partner.example:443', `${CLOUD}:8443`]) {
      const s = await lab.hostTransport().connect(ep.address, ep.port, { timeoutMs: 2000 });
      s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
      heads.push(await new Promise<string>((resolve) => s.once('data', (b: Buffer) => resolve(b.toString('latin1').split('\r\n')[0]!))));
      s.destroy();
    }
    expect(heads).toEqual(['HTTP/1.1 200 Connection established', 'HTTP/1.1 403 Forbidden', 'HTTP/1.1 403 Forbidden']);
    for (let i = 0; i < 50 && squid.records.filter((r) => r.method === 'CONNECT').length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    expect(squid.records.filter((r) => r.method === 'CONNECT').map((r) => [r.target, r.port, r.result, r.errCode])).toEqual([
      [CLOUD, 443, 'TCP_TUNNEL', null],
      ['portal.partner.example', 443, 'TCP_DENIED', 'ERR_ACCESS_DENIED'],
      [CLOUD, 8443, 'TCP_DENIED', 'ERR_ACCESS_DENIED'],
    ]);
  }, 30_000);
});
