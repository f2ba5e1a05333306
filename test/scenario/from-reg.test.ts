import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fromRegOptionsFromCli, scenarioFromRegCommand } from '../../src/cli/commands/scenario-from-reg.js';
import { AtpNetlabError } from '../../src/errors.js';
import { LabPki } from '../../src/pki/index.js';
import { readRegFileBytes, regBinary, writeRegFileBytes, type RegFile, type RegValue } from '../../src/registry/index.js';
import { buildScenarioFromReg, writeScenarioFromReg } from '../../src/scenario/from-reg.js';
import { loadScenarioFile } from '../../src/scenario/load-scenario.js';
import { runScenario } from '../../src/scenario/run-scenario.js';
import { buildWinHttpSettings, encodeSettings, encodeWinHttpSettings } from '../../src/wininet/index.js';
import { TEST_CERTS_DIR } from '../helpers/test-certs.js';

const CONN = 'Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections';
const HKCU = `HKEY_CURRENT_USER\\${CONN}`;
const LS = `HKEY_USERS\\S-1-5-19\\${CONN}`;
const SYS = `HKEY_USERS\\S-1-5-18\\${CONN}`;
const HKLM = `HKEY_LOCAL_MACHINE\\${CONN}`;

let pki: LabPki;
let dir: string;
beforeAll(async () => {
  pki = await LabPki.load(TEST_CERTS_DIR);
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'atpnl-fromreg-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A .reg export written with the project's own writer (UTF-16LE + BOM, as regedit writes it). */
async function exportFile(name: string, keys: [string, [string, RegValue][]][], format: RegFile['format'] = 'regedit5'): Promise<string> {
  const file = path.join(dir, name);
  const doc: RegFile = { format, entries: keys.map(([p, values]) => ({ kind: 'key', path: p, values: values.map(([n, value]) => ({ name: n, value })) })) };
  await writeFile(file, writeRegFileBytes(doc));
  return file;
}
const dcs = (input: Parameters<typeof encodeSettings>[0]) => regBinary(encodeSettings(input));
const DIRECT_DCS = dcs({});
/** The proxies without `inferred` (asserted once, in the customer-fixture test). */
const withoutInference = (proxies: { inferred?: string }[]) => proxies.map(({ inferred: _inferred, ...p }) => p);

/** A full-hive HKCU export: the Connections key is one key among many unrelated ones. */
function fullHive(root: string, connections: [string, RegValue][]): [string, [string, RegValue][]][] {
  return [
    [`${root}\\Console`, [['FontSize', { type: 'REG_DWORD', data: 0x100000 }]]],
    [`${root}\\Software\\Contoso\\App`, [['ApiToken', { type: 'REG_SZ', data: 'do-not-copy-me' }]]],
    [`${root}\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings`, [['ProxyEnable', { type: 'REG_DWORD', data: 1 }]]],
    [`${root}\\${CONN}`, connections],
    [`${root}\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\ZoneMap`, [['AutoDetect', { type: 'REG_DWORD', data: 0 }]]],
  ];
}

describe('scenario from-reg reproduces a customer host from its exports alone', () => {
  it('proxy only in HKCU (full-hive export): LocalService and LocalSystem time out, the admin gets through', async () => {
    const hkcu = await exportFile('hkcu-full.reg', fullHive('HKEY_CURRENT_USER', [['DefaultConnectionSettings', dcs({ proxy: 'proxy.contoso.com:8080', bypass: '<local>' })], ['SavedLegacySettings', dcs({ proxy: 'proxy.contoso.com:8080', bypass: '<local>' })]]));
    const ls = await exportFile('ls.reg', [[LS, [['DefaultConnectionSettings', DIRECT_DCS]]]]);
    // LocalSystem's export was taken as SYSTEM (`psexec -s reg export HKCU ...`): HKCU paths.
    const sys = await exportFile('sys.reg', [[HKCU, [['DefaultConnectionSettings', DIRECT_DCS]]]]);
    const out = path.join(dir, 'scenarios', 'Customer_X.yaml');
    const cmd = await scenarioFromRegCommand({ hkcu, localservice: ls, localsystem: sys, proxyAllow: '*.atp.azure.com', out, run: true, certs: pki.dir });
    expect(cmd.exitCode).toBe(0);

    const loaded = await loadScenarioFile(out);
    const s = loaded.scenario;
    expect(s.name).toBe('customer-x');
    expect(s.network.proxies).toEqual([{ name: 'proxy', allow: ['*.atp.azure.com'], inferred: 'named by DefaultConnectionSettings, SavedLegacySettings in the registry exports as proxy.contoso.com:8080' }]);
    expect(s.network.domain).toBe('contoso.com');
    expect(s.network.firewall).toEqual({ default: 'drop', rules: [{ to: 'proxy', port: 8080, action: 'allow' }] });
    expect(s.host.reg).toEqual(['customer-x.hkcu.reg', 'customer-x.localservice.reg', 'customer-x.localsystem.reg']);

    // Only the connection keys were kept, byte-exact; nothing else of the hive left the customer's file.
    const hkcuCopy = await readFile(path.join(dir, 'scenarios', 'customer-x.hkcu.reg'));
    const copy = readRegFileBytes(hkcuCopy);
    expect(copy.entries.map((e) => e.path)).toEqual([HKCU]);
    expect(Buffer.from(hkcuCopy).toString('utf16le')).not.toContain('do-not-copy-me');
    const original = readRegFileBytes(await readFile(hkcu)).entries.find((e) => e.path === HKCU);
    expect(copy.entries[0]).toMatchObject({ values: (original as { values: unknown[] }).values.map((v) => expect.objectContaining({ value: (v as { value: unknown }).value })) });
    const sysCopy = readRegFileBytes(await readFile(path.join(dir, 'scenarios', 'customer-x.localsystem.reg')));
    expect(sysCopy.entries.map((e) => e.path)).toEqual([SYS]);
    expect(cmd.stdout).toMatch(/HKEY_CURRENT_USER keys moved to HKU\\S-1-5-18/);

    const byId = (id: string) => cmd.written.result!.checks.filter((c) => c.identity === id).map((c) => c.observed);
    expect(byId('CurrentUser')).toEqual([expect.objectContaining({ reachable: true, code: 'OK', route: 'PROXY proxy.contoso.com:8080' })]);
    expect(byId('LocalService')).toEqual([expect.objectContaining({ reachable: false, step: 'tcp', code: 'TCP_TIMEOUT', route: 'DIRECT' })]);
    expect(byId('LocalSystem')).toEqual([expect.objectContaining({ reachable: false, code: 'TCP_TIMEOUT' })]);
    expect(cmd.stdout).toMatch(/LocalService .*UNREACHABLE at tcp: TCP_TIMEOUT/);

    // The recorded expectations are the observation, marked for review, and `run` agrees with them.
    const text = await readFile(out, 'utf8');
    expect(text).toMatch(/# observed on generation; review/);
    expect(s.expect).toEqual([
      expect.objectContaining({ identities: ['CurrentUser'], reachable: true, code: 'OK', route: 'PROXY proxy.contoso.com:8080', routeSource: 'wininet-static' }),
      expect.objectContaining({ identities: ['LocalService', 'LocalSystem'], reachable: false, step: 'tcp', code: 'TCP_TIMEOUT', route: 'DIRECT' }),
    ]);
    const again = await runScenario(loaded, pki);
    expect(again.passed, JSON.stringify(again.checks.map((c) => c.mismatches))).toBe(true);
  });

  it('the repo\'s customer fixture: the retired old-proxy is inferred, and its pass is "observe and confirm", not OK', async () => {
    // Before: old-proxy came out "reachable (OK)" and was recorded as a plain expectation.
    const fixtures = path.resolve('scenarios/fixtures');
    const out = path.join(dir, 'customer.yaml');
    const w = await writeScenarioFromReg(
      fromRegOptionsFromCli({ hkcu: path.join(fixtures, 'customer-hkcu.reg'), localservice: path.join(fixtures, 'customer-localservice.reg'), out }),
      { run: true, pki },
    );
    const proxies = w.scenario.network.proxies;
    expect(proxies.length).toBeGreaterThanOrEqual(2);
    for (const p of proxies) expect(p.inferred).toMatch(/^named by .* in the registry exports as /);
    const oldProxy = w.result!.checks.find((c) => c.identity === 'LocalService')!.observed;
    expect(oldProxy).toMatchObject({ reachable: true, route: expect.stringMatching(/^PROXY old-proxy\.contoso\.example:3128/) });
    const entry = w.scenario.expect.find((e) => e.identities !== 'all' && e.identities.includes('LocalService'))!;
    expect(entry.confirm).toMatch(/^observe and confirm: old-proxy\.contoso\.example is inferred from the registry/);
    // Every entry whose route goes through an inferred proxy says so; a direct one does not.
    for (const e of w.scenario.expect) {
      if (e.reachable && /PROXY/.test(e.route ?? '')) expect(e.confirm, JSON.stringify(e)).toBeDefined();
      if (!e.reachable) expect(e.confirm).toBeUndefined();
    }
    // The run lists it apart, as a warning with the checks it concerns, not as a plain pass.
    const { renderConsoleReport } = await import('../../src/report/console-report.js');
    const again = await runScenario(await loadScenarioFile(out), pki);
    expect(again.passed).toBe(true);
    const text = renderConsoleReport({ schema: 1, tool: 'test', startedAt: '', durationMs: 0, summary: { scenarios: 1, passed: 1, failed: 0, skipped: 0 }, scenarios: [again] } as never, { color: false });
    expect(text).toMatch(/warn +observe and confirm: old-proxy\.contoso\.example is inferred/);
    expect(text).toMatch(/LocalService/);
    // `plan` (the explain text) names the inference.
    const { forwardProxyKind } = await import('../../src/lab/kinds/forward-proxy-kind.js');
    expect(forwardProxyKind.explain(proxies.find((p) => p.name.startsWith('old-proxy'))!)).toMatch(/Inferred, not observed: named by DefaultConnectionSettings/);
  });

  it('WinHTTP-only host: the proxy exists but WinINET does not use it, and the detail says so', async () => {
    const hkcu = await exportFile('hkcu.reg', [[HKCU, [['DefaultConnectionSettings', DIRECT_DCS]]]]);
    const winhttp = await exportFile('winhttp.reg', [[HKLM, [['WinHttpSettings', regBinary(encodeWinHttpSettings(buildWinHttpSettings({ proxy: 'webproxy.corp.example:3128' })))]]]]);
    const out = path.join(dir, 'winhttp-only.yaml');
    const w = await writeScenarioFromReg(fromRegOptionsFromCli({ hkcu, winhttp, out }), { run: true, pki });
    expect(withoutInference(w.scenario.network.proxies)).toEqual([{ name: 'webproxy', port: 3128 }]);
    expect(w.identities).toContain('WinHTTP: proxy webproxy.corp.example:3128');
    const ls = w.result!.checks.find((c) => c.identity === 'LocalService')!.observed;
    expect(ls).toMatchObject({ reachable: false, code: 'TCP_TIMEOUT', route: 'DIRECT' });
    expect(ls.detail).toMatch(/WinHTTP is configured with a proxy \(webproxy\.corp\.example:3128\) but WinINET is not/);
  });

  it('per-scheme proxy string (http= only): https goes direct and times out', async () => {
    const blob = dcs({ proxy: 'http=proxy.contoso.com:8080' });
    const keys = (p: string): [string, [string, RegValue][]][] => [[p, [['DefaultConnectionSettings', blob]]]];
    const hkcu = await exportFile('hkcu.reg', keys(HKCU));
    const ls = await exportFile('ls.reg', keys(LS), 'regedit4');
    const sys = await exportFile('sys.reg', keys(SYS));
    const out = path.join(dir, 'per-scheme.yaml');
    const w = await writeScenarioFromReg(fromRegOptionsFromCli({ hkcu, localservice: ls, localsystem: sys, out }), { run: true, pki });
    expect(withoutInference(w.scenario.network.proxies)).toEqual([{ name: 'proxy' }]);
    for (const c of w.result!.checks) {
      expect(c.observed).toMatchObject({ reachable: false, code: 'TCP_TIMEOUT', route: 'DIRECT', routeSource: 'wininet-static' });
      expect(c.observed.detail).toMatch(/no https= entry/);
    }
    expect(w.scenario.expect).toEqual([expect.objectContaining({ identities: 'all', reachable: false, code: 'TCP_TIMEOUT' })]);
  });

  it('2018 misspellings are kept (and ignored, as Windows ignores them), and said so', async () => {
    const hkcu = await exportFile('hkcu.reg', [[HKCU, [['DefaultConnectionSettings', dcs({ proxy: 'corp-proxy:8080' })]]]]);
    const ls = await exportFile('ls.reg', [
      [`HKEY_USERS\\S-1-5-19\\Software\\Microsoft\\Windows\\CurrentVersion\\InternetSetting\\Connections`, [['DefaultConnectionSetting', dcs({ proxy: 'corp-proxy:8080' })]]],
    ]);
    const out = path.join(dir, 'misspelt.yaml');
    const cmd = await scenarioFromRegCommand({ hkcu, localservice: ls, out, run: true, certs: pki.dir });
    expect(cmd.stdout).toMatch(/misspelt \(the 2018 procedure's spelling\)/);
    expect(withoutInference(cmd.written.scenario.network.proxies)).toEqual([{ name: 'corp-proxy' }]);
    const kept = readRegFileBytes(await readFile(path.join(dir, 'misspelt.localservice.reg')));
    expect(kept.entries[0]).toMatchObject({ values: [expect.objectContaining({ name: 'DefaultConnectionSetting' })] });
    const lsOutcome = cmd.written.result!.checks.find((c) => c.identity === 'LocalService')!.observed;
    expect(lsOutcome).toMatchObject({ reachable: false, code: 'TCP_TIMEOUT', route: 'DIRECT' });
  });

  it('a proxy named by IP address is reachable through a lab DNS record', async () => {
    const hkcu = await exportFile('hkcu.reg', [[HKCU, [['DefaultConnectionSettings', dcs({ proxy: '10.20.30.40:3128' })]]]]);
    const w = await writeScenarioFromReg(fromRegOptionsFromCli({ hkcu, out: path.join(dir, 'by-ip.yaml') }), { run: true, pki });
    expect(withoutInference(w.scenario.network.proxies)).toEqual([{ name: 'proxy-10-20-30-40', port: 3128 }]);
    expect(w.scenario.network.dns?.records).toEqual({ '10.20.30.40': 'proxy-10-20-30-40' });
    expect(w.notes.join('\n')).toMatch(/no --localservice export: LocalService is modelled with no settings/);
    const admin = w.result!.checks.find((c) => c.identity === 'CurrentUser')!.observed;
    expect(admin).toMatchObject({ reachable: true, route: 'PROXY 10.20.30.40:3128' });
  });

  it('proxy authentication and SSL inspection options shape the network', async () => {
    const blob = dcs({ proxy: 'proxy.contoso.com:8080' });
    const hkcu = await exportFile('hkcu.reg', [[HKCU, [['DefaultConnectionSettings', blob]]], [LS, [['DefaultConnectionSettings', blob]]]]);
    const auth = await buildScenarioFromReg(fromRegOptionsFromCli({ hkcu, out: path.join(dir, 'auth.yaml'), proxyAuth: '403' }));
    expect(auth.scenario.network.proxies[0]).toMatchObject({ name: 'proxy', auth: '403-with-challenge' });
    expect(auth.scenario.host.identities.CurrentUser?.proxyCredentials).toBeDefined();

    const out = path.join(dir, 'inspected.yaml');
    const w = await writeScenarioFromReg(fromRegOptionsFromCli({ hkcu, out, inspection: 'intercept' }), { run: true, pki });
    expect(w.scenario.network.middleboxes).toEqual([{ name: 'inspection', mode: 'intercept' }]);
    expect(w.scenario.network.proxies[0]).toMatchObject({ upstream: 'inspection' });
    expect(w.scenario.host.trust).toEqual(['cloud-root', 'middlebox-ca']);
    const ls = w.result!.checks.find((c) => c.identity === 'LocalService')!.observed;
    expect(ls).toMatchObject({ reachable: false, code: 'INSPECTION_BREAKS_MUTUAL_AUTH', inspected: true });
  });

  it('without --run the expectation is the goal, marked as such; existing files need --force; bad input is a usage error', async () => {
    const hkcu = await exportFile('hkcu.reg', [[HKCU, [['DefaultConnectionSettings', dcs({ proxy: 'corp-proxy:8080' })]]]]);
    const out = path.join(dir, 'goal.yaml');
    const cmd = await scenarioFromRegCommand({ hkcu, out });
    expect(cmd.written.result).toBeUndefined();
    const text = await readFile(out, 'utf8');
    expect(text).toMatch(/# goal, not an observation/);
    expect(cmd.written.scenario.expect).toEqual([expect.objectContaining({ identities: 'all', reachable: true })]);
    await expect(scenarioFromRegCommand({ hkcu, out })).rejects.toThrow(/exists \(use --force/);
    await scenarioFromRegCommand({ hkcu, out, force: true });
    expect((await readdir(dir)).sort()).toEqual(['goal.hkcu.reg', 'goal.yaml', 'hkcu.reg']);

    for (const bad of [{ out }, { hkcu, out: path.join(dir, 'x.txt') }, { hkcu, out, proxyAuth: 'ntlm' }, { hkcu, out, inspection: 'bump' }, { hkcu, out, region: 'mars' }]) {
      await expect(scenarioFromRegCommand({ force: true, ...bad }), JSON.stringify(bad)).rejects.toBeInstanceOf(AtpNetlabError);
    }
  });
});
