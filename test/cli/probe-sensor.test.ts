/**
 * `probe --sensor`: the real probe as each generation, against a running lab over the real
 * transport. v3 reads WinHTTP's proxy from a .reg export (TelemetryProxyServer), probes the
 * Defender for Endpoint gateways' /cnc/identity/api and reads 500 as reachable; a proxy that
 * demands credentials is PROXY_AUTH_UNSUPPORTED; v2 names the era of the cloud's answer.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mdeConnectivityTestHosts } from '../../src/catalog/index.js';
import { probeCommand, probeOptionsFromCli, type ProbeCommandOptions } from '../../src/cli/commands/probe.js';
import { startInprocLab, type StartedInprocLab } from '../../src/engines/inproc/inproc-engine.js';
import { AtpNetlabError } from '../../src/errors.js';
import { LabPki } from '../../src/pki/index.js';
import { encodeRegText } from '../../src/registry/index.js';
import { TEST_CERTS_DIR } from '../helpers/test-certs.js';

const WS_HOST = 'contosoatpsensorapi.atp.azure.com';
const GATEWAYS = mdeConnectivityTestHosts('us');

function telemetryReg(value: string): Uint8Array {
  return encodeRegText(`Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\DataCollection]\r\n"TelemetryProxyServer"="${value}"\r\n\r\n`, 'regedit5');
}

describe('probe --sensor against a running lab', () => {
  let lab: StartedInprocLab;
  let dir: string;
  let base: ProbeCommandOptions;

  beforeAll(async () => {
    const pki = await LabPki.load(TEST_CERTS_DIR);
    lab = await startInprocLab(
      {
        domain: 'contoso.example',
        cloud: { hosts: [{ host: WS_HOST, pingAnswer: 'version' }, ...GATEWAYS.map((host) => ({ host }))] },
        proxies: [
          { name: 'corp-proxy', allow: ['*.microsoft.com', '*.atp.azure.com'] },
          { name: 'auth-proxy', auth: 'basic', credentials: { username: 'CONTOSO\\admin', password: 'lab-only' } },
        ],
        firewall: { default: 'allow', rules: [] },
      },
      pki,
    );
    dir = await mkdtemp(path.join(os.tmpdir(), 'atpnl-probe-sensor-'));
    const hostsFile = path.join(dir, 'hosts.txt');
    await writeFile(hostsFile, lab.network.dns.entries().map(([n, a]) => `${a} ${n}`).join('\n') + '\n');
    const mapped = lab.endpoints().filter((e) => e.port !== e.boundPort).flatMap((e) => e.dnsNames.map((n) => `${n}:${e.address}:${e.boundPort}`));
    base = { hosts: hostsFile, ...(mapped.length ? { resolve: mapped } : {}), ca: [pki.trustBundlePath('cloud')], expectRoot: ['atp-netlab Lab Cloud Root G2'], timeoutMs: 3_000 };
  });
  afterAll(async () => {
    await lab?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('--sensor v3 --reg: TelemetryProxyServer as LocalSystem, the gateways answer 500 on /cnc/identity/api = reachable', async () => {
    const reg = path.join(dir, 'tps.reg');
    await writeFile(reg, telemetryReg('corp-proxy:8080'));
    const out = await probeCommand({ ...base, sensor: 'v3', reg, json: true });
    expect(out.exitCode).toBe(0);
    const doc = JSON.parse(out.stdout) as { identity: string; sensor: string; checks: { url: string; observed: Record<string, unknown> }[] };
    expect(doc).toMatchObject({ identity: 'LocalSystem', sensor: 'v3' });
    expect(doc.checks.map((c) => new URL(c.url).hostname)).toEqual(GATEWAYS);
    for (const c of doc.checks) {
      expect(new URL(c.url).pathname).toBe('/cnc/identity/api');
      expect(c.observed).toMatchObject({ reachable: true, code: 'OK', pingAnswer: 'v3-cnc-500', route: 'PROXY corp-proxy:8080', routeSource: 'telemetry-proxy-server' });
    }
  });

  it('--sensor v3 through a proxy that demands credentials: PROXY_AUTH_UNSUPPORTED, even with credentials on --proxy', async () => {
    const reg = path.join(dir, 'auth.reg');
    await writeFile(reg, telemetryReg('auth-proxy:8080'));
    const out = await probeCommand({ ...base, sensor: 'v3', reg });
    expect(out.exitCode).toBe(1);
    for (const c of out.report.checks) expect(c.observed).toMatchObject({ reachable: false, step: 'proxy', code: 'PROXY_AUTH_UNSUPPORTED' });
  });

  it('v2 (default): the cloud\'s version-number answer is reachable, and the outcome names its era', async () => {
    const out = await probeCommand({ ...base, workspace: 'contosoATP', proxy: 'http://corp-proxy:8080' });
    expect(out.exitCode).toBe(0);
    expect(out.report.sensor).toBe('v2-wininet');
    expect(out.report.checks[0]!.observed).toMatchObject({ pingAnswer: 'version-200' });
    expect(out.report.checks[0]!.observed.detail).toMatch(/2\.251\.19142\.29040.*the latest sensor version number/);
    expect(out.stdout).toMatch(/OK \(version-200\)/);
  });

  it('usage: an unknown generation, v3 with a sensor configuration, v3 in a region MDE is not modelled for', async () => {
    expect(() => probeOptionsFromCli({ sensor: 'v4' })).toThrow(/unknown sensor generation "v4"/);
    await expect(probeCommand({ ...base, sensor: 'v3', sensorConfig: path.join(dir, 'x.json') })).rejects.toThrow(/does not read SensorConfiguration.json/);
    await expect(probeCommand({ ...base, sensor: 'v3', region: 'asia' })).rejects.toBeInstanceOf(AtpNetlabError);
    expect(probeOptionsFromCli({ sensor: 'v3' })).toMatchObject({ identity: 'LocalSystem', sensor: 'v3' });
  });
});
