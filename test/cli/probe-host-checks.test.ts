/**
 * `atp-netlab probe` host prerequisite checks in real mode, against a running lab over the real
 * transport: a real listener (and a refused port) for the updater, a registry store holding the
 * .NET values and machine roots, and lab clouds whose Date header is right or ten minutes ahead.
 * Wine's registry is the outside truth in test/wine/machine-roots.test.ts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeOptionsFromCli, renderProbeTable, type ProbeCommandOptions } from '../../src/cli/commands/probe.js';
import { startInprocLab, type StartedInprocLab } from '../../src/engines/inproc/inproc-engine.js';
import { LabPki } from '../../src/pki/index.js';
import { DOTNET_TLS_KEYS } from '../../src/probe/host/dotnet-tls.js';
import { MACHINE_ROOT_STORES } from '../../src/probe/host/machine-root-store.js';
import { probeHost, type ProbeHostOptions } from '../../src/probe/probe-host.js';
import { MemoryRegistryStore } from '../../src/registry/index.js';
import { healthyHostRegistry, putMachineRoot, ROOT_STORE_KEY, trustRootCert } from '../helpers/host-registry.js';
import { TEST_CERTS_DIR } from '../helpers/test-certs.js';

const WS_HOST = 'contosoatpsensorapi.atp.azure.com';
const SKEWED_HOST = 'skewedatpsensorapi.atp.azure.com';

let lab: StartedInprocLab;
let dir: string;
let base: ProbeCommandOptions;
let updater: net.Server;
let updaterPort: number;
let closedPort: number;

beforeAll(async () => {
  const pki = await LabPki.load(TEST_CERTS_DIR);
  lab = await startInprocLab(
    {
      domain: 'contoso.example',
      cloud: { hosts: [{ host: WS_HOST }, { host: SKEWED_HOST, dateOffsetMs: 10 * 60_000 }] },
      proxies: [],
      firewall: { default: 'allow', rules: [] },
    },
    pki,
  );
  dir = await mkdtemp(path.join(os.tmpdir(), 'atpnl-probe-host-'));
  const hostsFile = path.join(dir, 'hosts.txt');
  await writeFile(hostsFile, lab.network.dns.entries().map(([n, a]) => `${a} ${n}`).join('\n') + '\n');
  const mapped = lab.endpoints().filter((e) => e.port !== e.boundPort).flatMap((e) => e.dnsNames.map((n) => `${n}:${e.address}:${e.boundPort}`));
  base = { workspace: 'contosoATP', hosts: hostsFile, ...(mapped.length ? { resolve: mapped } : {}), ca: [pki.trustBundlePath('cloud')], expectRoot: ['atp-netlab Lab Cloud Root G2'], timeoutMs: 3_000 };
  // the "updater": a real listener on loopback (444 needs privileges; --updater-port stands in)
  updater = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => updater.listen(0, '127.0.0.1', r));
  updaterPort = (updater.address() as AddressInfo).port;
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
});
afterAll(async () => {
  await lab?.stop();
  if (updater) await new Promise((r) => updater.close(r));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function run(cli: ProbeCommandOptions, extra: Partial<ProbeHostOptions> = {}) {
  const report = await probeHost({ ...probeOptionsFromCli({ ...base, ...cli }), ...extra });
  return { report, table: renderProbeTable(report), exitCode: report.checks.every((c) => c.observed.reachable) ? 0 : 1, json: JSON.parse(JSON.stringify(report)) as typeof report };
}
const onWindows = async (store?: MemoryRegistryStore): Promise<Partial<ProbeHostOptions>> => ({ platform: 'win32', registryStore: store ?? (await healthyHostRegistry()) });

describe('probe host checks (real mode)', () => {
  it('off Windows without a registry: every check is "not run" with the reason, never a pass; the network check decides', async () => {
    const out = await run({}, { platform: 'linux' });
    expect(out.exitCode).toBe(0);
    expect(out.json.host).toMatchObject({ mode: 'auto', ran: false, registry: null });
    expect(out.json.host!.checks.map((c) => [c.check, c.status])).toEqual([['updater-port', 'not-run'], ['dotnet-tls', 'not-run'], ['required-roots', 'not-run'], ['clock-skew', 'not-run']]);
    expect(out.json.host!.reason).toMatch(/not a Windows host \(linux\) and no registry given/);
    expect(out.table).toMatch(/host prerequisites \(not run\):\n {2}not run: not a Windows host/);
    expect(out.report.checks[0]!.observed.hostClock).toBeUndefined();
  });

  it('on Windows, all met: every check ok, the clock judged from the cloud\'s Date (exit 0)', async () => {
    const out = await run({ updaterPort }, await onWindows());
    expect(out.exitCode).toBe(0);
    expect(out.json.host).toMatchObject({ mode: 'auto', ran: true, registry: 'given registry store' });
    expect(out.json.host!.checks.map((c) => [c.check, c.status])).toEqual([['updater-port', 'ok'], ['dotnet-tls', 'ok'], ['required-roots', 'ok'], ['clock-skew', 'ok']]);
    const clock = out.report.checks[0]!.observed.hostClock!;
    expect(clock.status).toBe('ok');
    expect(Math.abs(clock.skewMs!)).toBeLessThan(clock.uncertaintyMs! + 1000);
    expect(out.table).toMatch(new RegExp(`ok {7}updater-port {4}localhost:${updaterPort} accepted the connection`));
    expect(out.table).toMatch(/ok {7}required-roots {2}the commercial root is present \(in Root\)/);
  });

  it('updater not listening: HOST_UPDATER_NOT_LISTENING decides every check (step host, exit 1), with the fix and its source', async () => {
    const out = await run({ updaterPort: closedPort }, await onWindows());
    expect(out.exitCode).toBe(1);
    expect(out.report.checks[0]!.observed).toMatchObject({ reachable: false, step: 'host', code: 'HOST_UPDATER_NOT_LISTENING' });
    const entry = out.json.host!.checks.find((c) => c.check === 'updater-port')!;
    expect(entry).toMatchObject({ status: 'failed', code: 'HOST_UPDATER_NOT_LISTENING', source: 'mdiPowerShellModule' });
    expect(entry.remediation).toMatch(/AATPSensorUpdater/);
    expect(out.table).toMatch(/FAILED {3}updater-port {4}HOST_UPDATER_NOT_LISTENING: .*\n {11}fix: start the Azure Advanced Threat Protection Sensor Updater service/);
    // the cloud did answer: the clock is still judged
    expect(out.report.checks[0]!.observed.hostClock?.status).toBe('ok');
  });

  it('.NET values not 1: HOST_DOTNET_TLS_VALUES naming the value', async () => {
    const store = await healthyHostRegistry();
    await store.writeValue(DOTNET_TLS_KEYS[1], 'SchUseStrongCrypto', { type: 'REG_DWORD', data: 0 });
    const out = await run({ updaterPort }, await onWindows(store));
    expect(out.exitCode).toBe(1);
    expect(out.report.checks[0]!.observed).toMatchObject({ step: 'host', code: 'HOST_DOTNET_TLS_VALUES' });
    expect(out.report.checks[0]!.observed.detail).toMatch(/WOW6432Node.*SchUseStrongCrypto: dword:00000000/);
  });

  it('a missing root: HOST_ROOT_MISSING for the cloud asked (commercial G2, GCC High Global Root CA)', async () => {
    const store = new MemoryRegistryStore();
    await (await healthyHostRegistry()).exportKeys([DOTNET_TLS_KEYS[0], DOTNET_TLS_KEYS[1]]).then((t) => store.importReg(t));
    await putMachineRoot(store, trustRootCert('DigiCert Global Root CA'));
    const commercial = await run({ updaterPort }, await onWindows(store));
    expect(commercial.exitCode).toBe(1);
    expect(commercial.report.checks[0]!.observed).toMatchObject({ step: 'host', code: 'HOST_ROOT_MISSING' });
    expect(commercial.report.checks[0]!.observed.detail).toMatch(/missing for commercial: DigiCert Global Root G2/);
    const gccHigh = await run({ updaterPort, cloud: 'gcc-high' }, await onWindows(store));
    expect(gccHigh.json.host!.checks.find((c) => c.check === 'required-roots')!.status).toBe('ok');
    expect(await store.keyExists(ROOT_STORE_KEY)).toBe(true);
  });

  it("a cloud whose Date is ten minutes ahead: HOST_CLOCK_SKEW (step host, exit 1), the host's clock behind", async () => {
    const out = await run({ workspace: 'skewedATP', updaterPort }, await onWindows());
    expect(out.exitCode).toBe(1);
    const o = out.report.checks[0]!.observed;
    expect(o).toMatchObject({ reachable: false, step: 'host', code: 'HOST_CLOCK_SKEW' });
    expect(o.detail).toMatch(/the cloud answered, but host clock is (599|600|601) s behind the cloud's Date/);
    expect(o.hostClock!.skewMs!).toBeLessThan(-9 * 60_000);
    expect(out.json.host!.checks.find((c) => c.check === 'clock-skew')).toMatchObject({ status: 'failed', code: 'HOST_CLOCK_SKEW', source: 'mdiPrerequisitesV2' });
  });

  it('--no-host-checks: none run, even on Windows; a skewed clock is then not judged', async () => {
    expect(probeOptionsFromCli({ ...base, hostChecks: false }).hostChecks).toBe('off');
    const out = await run({ workspace: 'skewedATP', hostChecks: false, updaterPort: closedPort }, await onWindows());
    expect(out.exitCode).toBe(0);
    expect(out.json.host).toMatchObject({ mode: 'off', ran: false, reason: 'turned off (--no-host-checks)' });
    expect(out.report.checks[0]!.observed.hostClock).toBeUndefined();
  });

  it('--host-checks off Windows without a registry: the updater port and the clock run, the registry checks say why not', async () => {
    expect(probeOptionsFromCli({ ...base, hostChecks: true }).hostChecks).toBe('on');
    const out = await run({ hostChecks: true, updaterPort: closedPort }, { platform: 'linux' });
    expect(out.exitCode).toBe(1);
    expect(out.json.host!.checks.map((c) => [c.check, c.status])).toEqual([['updater-port', 'failed'], ['dotnet-tls', 'not-run'], ['required-roots', 'not-run'], ['clock-skew', 'ok']]);
    expect(out.json.host!.checks[1]!.detail).toBe('no registry to read (not Windows: linux; --host-reg reads an export)');
  });

  it('as CurrentUser only the roots apply: the updater, .NET and clock checks are not run, with the reason', async () => {
    const out = await run({ identity: 'CurrentUser', updaterPort: closedPort, workspace: 'skewedATP' }, await onWindows());
    expect(out.exitCode).toBe(0);
    const by = Object.fromEntries(out.json.host!.checks.map((c) => [c.check, c]));
    expect(by['updater-port']).toMatchObject({ status: 'not-run', detail: 'applies to the sensor service (LocalService), which talks to the updater; probing as CurrentUser' });
    expect(by['dotnet-tls']!.status).toBe('not-run');
    expect(by['clock-skew']!.status).toBe('not-run');
    expect(by['required-roots']!.status).toBe('ok');
  });

  it('a registry that cannot be read is indeterminate, never ok (and does not fail the check)', async () => {
    const broken = new MemoryRegistryStore();
    broken.readValue = async () => {
      throw new Error('reg.exe: Access is denied.');
    };
    // (the route is not read from this registry: only the host checks meet the failure)
    const out = await run({ updaterPort }, { ...(await onWindows(broken)), route: { kind: 'none' } });
    const by = Object.fromEntries(out.json.host!.checks.map((c) => [c.check, c]));
    expect(by['dotnet-tls']).toMatchObject({ status: 'indeterminate', detail: 'could not read the registry: reg.exe: Access is denied.' });
    expect(by['required-roots']!.status).toBe('indeterminate');
    expect(out.table).toMatch(/UNKNOWN {2}dotnet-tls/);
    expect(out.exitCode).toBe(0);
  });
});

describe('probe --host-reg: a customer\'s registry exports, read off the host', () => {
  it("reads Wine's exported Root blob and a .NET export; the updater and clock are not this machine's to judge", async () => {
    const dotnet = path.join(dir, 'dotnet.reg');
    const lines = ['Windows Registry Editor Version 5.00', ''];
    for (const key of DOTNET_TLS_KEYS) lines.push(`[${key}]`, '"SystemDefaultTlsVersions"=dword:00000001', '"SchUseStrongCrypto"=dword:00000001', '');
    await writeFile(dotnet, lines.join('\r\n'));
    const roots = 'test/fixtures/registry/wine-8.0-root-digicert-g2.reg';
    const out = await run({ hostReg: [dotnet, roots], updaterPort: closedPort }, { platform: 'linux' });
    expect(out.exitCode).toBe(0);
    expect(out.json.host).toMatchObject({ mode: 'auto', ran: true, registry: `reg export ${dotnet}, ${roots}` });
    const by = Object.fromEntries(out.json.host!.checks.map((c) => [c.check, c]));
    expect(by['dotnet-tls']!.status).toBe('ok');
    expect(by['required-roots']).toMatchObject({ status: 'ok' });
    expect(by['required-roots']!.detail).toMatch(/machine stores read: Root \(1\)/);
    expect(by['updater-port']).toMatchObject({ status: 'not-run', detail: "checks the machine the probe runs on, which is not the sensor's host (linux): --host-checks runs it here" });
    expect(by['clock-skew']!.status).toBe('not-run');
    // the roots export alone: the .NET keys are not in it, so not judged (never "missing"); it
    // lacks the GCC High root, but also AuthRoot & co., so that is not judged either
    const gcc = await run({ hostReg: [roots], cloud: 'gcc-high' }, { platform: 'linux' });
    // (the GCC High host is not in this lab: the network decides, not the host step)
    expect(gcc.report.checks[0]!.observed.step).not.toBe('host');
    expect(gcc.json.host!.checks.find((c) => c.check === 'dotnet-tls')).toMatchObject({ status: 'not-run', detail: expect.stringMatching(/^the registry export holds neither/) });
    const gccRoots = gcc.json.host!.checks.find((c) => c.check === 'required-roots')!;
    expect(gccRoots.status).toBe('indeterminate');
    expect(gccRoots.detail).toMatch(/missing for gcc-high: DigiCert Global Root CA; machine stores read: Root \(1\); not in the export, so not judged: AuthRoot, Group Policy Root, Enterprise Root/);
    // an export holding every store (empty ones too) does judge it
    const all = path.join(dir, 'stores.reg');
    await writeFile(all, ['Windows Registry Editor Version 5.00', '', ...MACHINE_ROOT_STORES.slice(1).flatMap((st) => [`[${st.key}]`, ''])].join('\r\n'));
    const judged = await run({ hostReg: [roots, all], cloud: 'gcc-high' }, { platform: 'linux' });
    expect(judged.report.checks[0]!.observed).toMatchObject({ step: 'host', code: 'HOST_ROOT_MISSING' });
    // one view only: the other is named as not judged
    const one = path.join(dir, 'dotnet-one.reg');
    await writeFile(one, ['Windows Registry Editor Version 5.00', '', `[${DOTNET_TLS_KEYS[0]}]`, '"SystemDefaultTlsVersions"=dword:00000001', '"SchUseStrongCrypto"=dword:00000000', ''].join('\r\n'));
    const partial = await run({ hostReg: [one, roots] }, { platform: 'linux' });
    expect(partial.report.checks[0]!.observed).toMatchObject({ step: 'host', code: 'HOST_DOTNET_TLS_VALUES' });
    expect(partial.json.host!.checks.find((c) => c.check === 'dotnet-tls')!.detail).toMatch(/SchUseStrongCrypto: dword:00000000 \(HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node.*: not in the export, not judged\)/);
  });
});

describe('probe host-check options', () => {
  it('--matrix does not take them (usage error, exit 2)', async () => {
    const { matrixOptionsFromCli } = await import('../../src/cli/commands/probe-matrix-option.js');
    expect(() => matrixOptionsFromCli({ matrix: true, workspace: 'contosoATP', hostChecks: true })).toThrow(/--matrix does not run the host checks/);
    expect(() => matrixOptionsFromCli({ matrix: true, workspace: 'contosoATP', updaterPort: 4444 })).toThrow(/--updater-port/);
    expect(() => matrixOptionsFromCli({ matrix: true, workspace: 'contosoATP', hostReg: ['x.reg'] })).toThrow(/--host-reg/);
  });
});
