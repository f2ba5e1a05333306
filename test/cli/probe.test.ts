import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeCommand, probeOptionsFromCli, type ProbeCommandOptions } from '../../src/cli/commands/probe.js';
import { AtpNetlabError } from '../../src/errors.js';
import { AUTH_CHECK_PATH } from '../../src/lab/mock-cloud.js';
import { startInprocLab as startLab, type StartedInprocLab as StartedLab } from '../../src/engines/inproc/inproc-engine.js';
import { LabPki } from '../../src/pki/index.js';
import { parseHostsFile, parseResolveSpec, probeHost, probeTargets } from '../../src/probe/probe-host.js';
import { parseSensorConfig, sensorConfigRoute } from '../../src/probe/sensor-config.js';
import { MemoryRegistryStore, encodeRegText, regBinary } from '../../src/registry/index.js';
import { encodeSettings } from '../../src/wininet/index.js';
import { TEST_CERTS_DIR } from '../helpers/test-certs.js';

/** Shaped like the modern sensor's file (.NET serializer: $type members, PascalCase). */
const SENSOR_CONFIGURATION = `\uFEFF{
  "$type": "SensorConfiguration",
  "SensorType": "DomainControllerSensor",
  "SensorProxyConfiguration": {
    "$type": "SensorProxyConfiguration",
    "Url": "http://corp-proxy:8080",
    "UserName": "CONTOSO\\\\svc-mdi-proxy",
    "EncryptedUserPasswordData": {
      "$type": "EncryptedData",
      "EncryptedBytes": "c2VjcmV0LXNlY3JldC1zZWNyZXQ=",
      "CertificateThumbprint": "0123456789ABCDEF0123456789ABCDEF01234567"
    }
  },
  "WorkspaceApplicationSensorApiWebClientConfigurationServiceEndpoint": {
    "$type": "EndpointData",
    "Address": "labendpointsensorapi.atp.azure.com",
    "Port": 443
  }
}`;

const WS_HOST = 'contosoatpsensorapi.atp.azure.com';
const EP_HOST = 'labendpointsensorapi.atp.azure.com';
const CONN = 'Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections';
const hexList = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(',');

describe('SensorConfiguration.json', () => {
  it('reads the proxy URL and the endpoint; credentials are known to exist, never kept', () => {
    const cfg = parseSensorConfig(SENSOR_CONFIGURATION);
    expect(cfg.proxy).toEqual({ host: 'corp-proxy', port: 8080 });
    expect(cfg.proxyUrl).toBe('http://corp-proxy:8080');
    expect(cfg.endpoint).toEqual({ address: EP_HOST, port: 443 });
    expect(cfg.hasProxyCredentials).toBe(true);
    const text = JSON.stringify(cfg);
    expect(text).not.toMatch(/svc-mdi-proxy|c2VjcmV0|0123456789ABCDEF/);
    const route = sensorConfigRoute(cfg);
    expect(route).toMatchObject({ failed: false, source: 'sensor-config', candidates: [{ kind: 'PROXY', host: 'corp-proxy', port: 8080 }] });
  });

  it('strips user info from the URL and never echoes it, even in errors', () => {
    const cfg = parseSensorConfig(JSON.stringify({ SensorProxyConfiguration: { Url: 'http://bob:hunter2@proxy.contoso.com' } }));
    expect(cfg.proxy).toEqual({ host: 'proxy.contoso.com', port: 80 });
    expect(cfg.hasProxyCredentials).toBe(true);
    expect(JSON.stringify(cfg)).not.toMatch(/bob|hunter2/);
    let err: unknown;
    try {
      parseSensorConfig(JSON.stringify({ SensorProxyConfiguration: { Url: 'http://bob:hunter2@bad host:x' } }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AtpNetlabError);
    expect((err as AtpNetlabError).describe()).not.toMatch(/bob|hunter2/);
  });

  it('no proxy: DIRECT with source sensor-config and a note; bad JSON is a usage error', () => {
    const route = sensorConfigRoute(parseSensorConfig('{"SensorProxyConfiguration":{"Url":null}}'));
    expect(route).toMatchObject({ failed: false, source: 'sensor-config', candidates: [{ kind: 'DIRECT' }] });
    expect(() => parseSensorConfig('{nope')).toThrow(AtpNetlabError);
  });
});

describe('probe inputs', () => {
  it('hosts files and --resolve pins', () => {
    const m = parseHostsFile('# lab\n127.77.1.100 a.example B.example  # trailing\n\n::1 c.example\n127.0.0.1 a.example\n');
    expect([...m]).toEqual([['a.example', '127.77.1.100'], ['b.example', '127.77.1.100'], ['c.example', '::1']]);
    expect(() => parseHostsFile('not-an-ip name')).toThrow(/line|not an IP/);
    expect(parseResolveSpec('Host.example:127.0.0.5')).toEqual(['host.example', '127.0.0.5']);
    expect(parseResolveSpec('host.example:443:127.0.0.5')).toEqual(['host.example', '127.0.0.5']);
    expect(parseResolveSpec('host.example:[::1]')).toEqual(['host.example', '::1']);
    expect(() => parseResolveSpec('host.example')).toThrow(AtpNetlabError);
  });

  it('targets: the workspace host alone without a region; the region adds its hosts', () => {
    expect(probeTargets({ workspace: 'contosoATP' })).toEqual([WS_HOST]);
    const eu = probeTargets({ workspace: 'contosoATP', region: 'europe' });
    expect(eu[0]).toBe(WS_HOST);
    expect(eu).toContain('triprd1wceun1sensorapi.atp.azure.com');
    expect(eu).toContain('triprd1wceun2sensorapi.atp.azure.com');
    expect(eu.some((h) => h.includes('wcus'))).toBe(false);
  });

  it('usage errors (exit 2)', () => {
    const bad: ProbeCommandOptions[] = [
      { workspace: 'contosoATP', reg: 'a.reg', proxy: 'http://p:8080' },
      { workspace: 'contosoATP', identity: 'Administrator' },
      { region: 'mars' },
      {},
      { workspace: 'contosoATP', edition: ['2030'] },
      { workspace: 'contosoATP', proxyLogToleranceMs: 1000 },
      { workspace: 'contosoATP', proxyLog: ['-'] },
    ];
    for (const o of bad) expect(() => probeOptionsFromCli(o), JSON.stringify(o)).toThrow(AtpNetlabError);
    expect(probeOptionsFromCli({ workspace: 'contosoATP' })).toMatchObject({ identity: 'LocalService', workspace: 'contosoATP' });
    expect(probeOptionsFromCli({ workspace: 'contosoATP', proxyLog: ['a.log', 'b.log'], proxyLogToleranceMs: 1000 })).toMatchObject({ proxyLogs: ['a.log', 'b.log'], proxyLogToleranceMs: 1000 });
  });
});

describe('probe against a running lab (real transport, pinned names)', () => {
  let pki: LabPki;
  let lab: StartedLab;
  let dir: string;
  let hostsFile: string;
  let trustFile: string;
  let base: ProbeCommandOptions;

  beforeAll(async () => {
    pki = await LabPki.load(TEST_CERTS_DIR);
    lab = await startLab(
      {
        domain: 'contoso.example',
        cloud: { hosts: [{ host: WS_HOST }, { host: EP_HOST }] },
        proxies: [{ name: 'corp-proxy', allow: ['*.atp.azure.com'] }],
        firewall: { default: 'allow', rules: [] },
      },
      pki,
    );
    dir = await mkdtemp(path.join(os.tmpdir(), 'atpnl-probe-'));
    hostsFile = path.join(dir, 'hosts.txt');
    await writeFile(hostsFile, lab.network.dns.entries().map(([n, a]) => `${a} ${n}`).join('\n') + '\n');
    trustFile = pki.trustBundlePath('cloud');
    // A lab without the privilege to bind 443 maps it: pin the bound ports as `lab up` prints them.
    const mapped = lab.endpoints().filter((e) => e.port !== e.boundPort).flatMap((e) => e.dnsNames.map((n) => `${n}:${e.address}:${e.boundPort}`));
    base = {
      workspace: 'contosoATP',
      hosts: hostsFile,
      ...(mapped.length ? { resolve: mapped } : {}),
      ca: [trustFile],
      expectRoot: ['atp-netlab Lab Cloud Root G2'],
      timeoutMs: 3_000,
    };
  });
  afterAll(async () => {
    await lab?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('--proxy: OK through the proxy, JSON schema 1 in real mode, exit 0', async () => {
    const out = await probeCommand({ ...base, proxy: 'http://corp-proxy:8080', json: true });
    expect(out.exitCode).toBe(0);
    const doc = JSON.parse(out.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ tool: 'atp-netlab', schema: 1, mode: 'real', identity: 'LocalService', workspace: 'contosoATP', region: null });
    expect(doc.checks).toEqual([
      expect.objectContaining({
        host: WS_HOST,
        url: `https://${WS_HOST}/tri/sensor/api/ping`,
        identity: 'LocalService',
        observed: expect.objectContaining({ reachable: true, code: 'OK', route: 'PROXY corp-proxy:8080', routeSource: 'wininet-static', inspected: false }),
      }),
    ]);
  });

  it('trust: without --ca the lab chain is untrusted; without --expect-root it counts as inspected', async () => {
    const untrusted = await probeCommand({ ...base, ca: [] });
    expect(untrusted.exitCode).toBe(1);
    expect(untrusted.report.checks[0]!.observed).toMatchObject({ reachable: false, step: 'tls', code: 'TLS_UNTRUSTED_CERT', routeSource: 'none' });
    const notExpected = await probeCommand({ ...base, expectRoot: [] });
    expect(notExpected.report.checks[0]!.observed).toMatchObject({ reachable: true, inspected: true });
    expect(notExpected.stdout).toMatch(/INSPECTED, issued by atp-netlab Lab Azure TLS Issuing CA 01/);
  });

  it('--client-cert/--client-key + --auth-path: the cloud accepts the enrolled sensor; without a certificate it answers 401', async () => {
    const certs = { clientCert: path.join(pki.dir, 'client-cert.pem'), clientKey: path.join(pki.dir, 'client-cert.key'), authPath: AUTH_CHECK_PATH };
    const ok = await probeCommand({ ...base, ...certs });
    expect(ok.report.checks[0]!.observed).toMatchObject({ reachable: true, code: 'OK' });
    expect(ok.report.checks[0]!.observed.detail).toMatch(/accepted the sensor's certificate/);
    const none = await probeCommand({ ...base, authPath: AUTH_CHECK_PATH });
    expect(none.report.checks[0]!.observed).toMatchObject({ reachable: false, code: 'HTTP_STATUS' });
    await expect(probeCommand({ ...base, clientCert: certs.clientCert })).rejects.toThrow(/go together/);
  });

  it('--sensor-config: the sensor\'s own proxy (source sensor-config), its endpoint checked too, no credential printed', async () => {
    const file = path.join(dir, 'SensorConfiguration.json');
    await writeFile(file, SENSOR_CONFIGURATION);
    const out = await probeCommand({ ...base, sensorConfig: file });
    expect(out.exitCode).toBe(0);
    expect(out.report.checks.map((c) => c.host)).toEqual([WS_HOST, EP_HOST]);
    for (const c of out.report.checks) expect(c.observed).toMatchObject({ reachable: true, route: 'PROXY corp-proxy:8080', routeSource: 'sensor-config' });
    expect(out.stdout).toMatch(/proxy credentials/);
    expect(out.stdout).not.toMatch(/svc-mdi-proxy|c2VjcmV0/);
    const json = await probeCommand({ ...base, sensorConfig: file, json: true });
    expect(json.stdout).not.toMatch(/svc-mdi-proxy|c2VjcmV0/);
  });

  it('--reg with an HKCU-only export, as LocalService: direct, with the classic-trap note', async () => {
    const file = path.join(dir, 'hkcu.reg');
    const blob = encodeSettings({ proxy: 'corp-proxy:8080' });
    await writeFile(file, encodeRegText(`Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\${CONN}]\r\n"DefaultConnectionSettings"=hex:${hexList(blob)}\r\n\r\n`, 'regedit5'));
    const asService = await probeCommand({ ...base, reg: file });
    expect(asService.report.checks[0]!.observed).toMatchObject({ route: 'DIRECT', routeSource: 'none' });
    expect(asService.report.notes.join('\n')).toMatch(/CurrentUser's \(HKCU\) settings but none for LocalService/);
    const asAdmin = await probeCommand({ ...base, reg: file, identity: 'CurrentUser' });
    expect(asAdmin.report.checks[0]!.observed).toMatchObject({ reachable: true, route: 'PROXY corp-proxy:8080', routeSource: 'wininet-static' });
  });

  it('live registry (Windows): reads the identity\'s hive through the store', async () => {
    const store = new MemoryRegistryStore();
    await store.writeValue(`HKEY_USERS\\S-1-5-19\\${CONN}`, 'DefaultConnectionSettings', regBinary(encodeSettings({ proxy: 'corp-proxy:8080' })));
    // the route alone: on Windows the host checks run too (test/cli/probe-host-checks.test.ts)
    const report = await probeHost({ ...probeOptionsFromCli({ ...base, hostChecks: false }), registryStore: store, platform: 'win32' });
    expect(report.settings).toBe('live registry');
    expect(report.checks[0]!.observed).toMatchObject({ reachable: true, route: 'PROXY corp-proxy:8080', routeSource: 'wininet-static' });
  });

  it('--resolve pins one name; an unpinned proxy name is a DNS failure of the proxy', async () => {
    const ws = lab.network.dns.resolve(WS_HOST)!;
    const bound = lab.network.boundPort(ws, 443);
    const out = await probeCommand({ workspace: 'contosoATP', resolve: [bound === 443 ? `${WS_HOST}:${ws}` : `${WS_HOST}:${ws}:${bound}`], ca: [trustFile], expectRoot: base.expectRoot!, timeoutMs: 3_000 });
    expect(out.report.checks[0]!.observed).toMatchObject({ reachable: true, route: 'DIRECT' });
    const viaUnknown = await probeCommand({ ...base, proxy: 'no-such-proxy.invalid:8080' });
    expect(viaUnknown.report.checks[0]!.observed).toMatchObject({ reachable: false, code: 'DNS_NOT_FOUND' });
  });
});
