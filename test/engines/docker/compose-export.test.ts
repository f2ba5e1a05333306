/**
 * `lab export --compose`: no `docker compose` or `docker-compose` is installed here, so the file
 * is checked three ways. (1) It parses (yaml) and validates against the Compose Specification's
 * own JSON schema, as shipped by the compose linter dclint (npm dclint, schemas/compose.schema.json;
 * checked with ajv). (2) Its structure is what the issue
 * asks: an internal network with an explicit subnet, every service at a static address in it,
 * no port published, the lab DNS and the host probe service, bind sources that exist, keys 0600.
 * (3) Where Docker is usable, the file is replayed with the docker CLI (network create + one
 * `docker run` per service, from the file's own fields) and its x-atp-netlab probe command gives
 * the same step and code as the in-process run.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { docker, pruneLabObjects } from '../../../src/engines/docker/docker-cli.js';
import { dockerEngine } from '../../../src/engines/docker/docker-engine.js';
import { ensureLabImage } from '../../../src/engines/docker/lab-image.js';
import { mitmproxyImageUnavailable } from '../../../src/engines/docker/mitmproxy-image.js';
import { ensureSquidImage, squidImageUnavailable } from '../../../src/engines/docker/squid-image.js';
import { inprocEngine } from '../../../src/engines/inproc/inproc-engine.js';
import { loadScenarioFile } from '../../../src/scenario/load-scenario.js';
import { runScenario } from '../../../src/scenario/run-scenario.js';
import { testPki, TEST_CERTS_DIR } from '../../helpers/lab-fixtures.js';
import { runCli } from '../../helpers/run-cli.js';

interface ComposeService {
  image: string;
  entrypoint?: string[];
  command?: string[];
  networks: Record<string, { ipv4_address: string }>;
  volumes?: { type: string; source: string; target: string; read_only: boolean }[];
  labels: Record<string, string>;
  ports?: unknown[];
  stdin_open?: boolean;
  hostname?: string;
}
interface ComposeFile {
  name: string;
  services: Record<string, ComposeService>;
  networks: Record<string, { name: string; internal: boolean; ipam: { config: { subnet: string; gateway: string }[] }; labels: Record<string, string> }>;
  'x-atp-netlab': { firewall: string; probe: Record<string, string> };
}

const schema = JSON.parse(fs.readFileSync(path.join(path.dirname(createRequire(import.meta.url).resolve('dclint/package.json')), 'schemas', 'compose.schema.json'), 'utf8')) as Record<string, unknown>;
delete schema.$schema; // ajv 6 knows draft-07 by its http:// id only
const validate = new Ajv({ unknownFormats: 'ignore', schemaId: 'auto' }).compile(schema);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atpnl-compose-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function exportScenario(scenario: string, extra: string[] = []): Promise<{ doc: ComposeFile; dir: string; text: string }> {
  const dir = path.join(tmp, path.basename(scenario, '.yaml'));
  const r = await runCli(['lab', 'export', '--scenario', scenario, '--compose', '-', '--dir', dir, '--certs', TEST_CERTS_DIR, ...extra]);
  expect(r.stderr).toMatch(/network 10\.\d+\.\d+\.0\/24 \(internal\)/);
  expect(r.code).toBe(0);
  return { doc: YAML.parse(r.stdout) as ComposeFile, dir, text: r.stdout };
}

function inSubnet(address: string, subnet: string): boolean {
  return address.startsWith(subnet.replace(/\.0\/24$/, '.'));
}

describe('lab export --compose', () => {
  it('validates against the Compose Specification schema, and has the lab structure', { timeout: 60_000 }, async () => {
    const { doc, dir, text } = await exportScenario('scenarios/proxy-allowlist-ok.yaml', ['--subnet', '10.213.42.0/24']);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    // The compose linter itself, a program nobody here wrote: no errors (its style warnings,
    // key order and service order, are not the spec's).
    const file = path.join(tmp, 'lint-compose.yaml');
    fs.writeFileSync(file, text);
    const lint = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(process.execPath, [path.join(path.dirname(createRequire(import.meta.url).resolve('dclint/package.json')), 'bin', 'dclint.cjs'), file], { timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
      ),
    );
    expect(lint.out, lint.out).toMatch(/\(0 errors, \d+ warnings\)|^\s*$/m);
    expect(lint.code, lint.out).toBe(0);
    const net = doc.networks.lab!;
    expect(net.internal).toBe(true);
    expect(net.ipam.config).toEqual([{ subnet: '10.213.42.0/24', gateway: '10.213.42.254' }]);
    const services = Object.entries(doc.services);
    expect(services.map(([n]) => n)).toEqual(expect.arrayContaining(['dns', 'windows-host']));
    const addresses = new Set<string>();
    for (const [name, s] of services) {
      expect(s.ports, `${name} publishes no port`).toBeUndefined();
      const ip = s.networks.lab!.ipv4_address;
      expect(inSubnet(ip, '10.213.42.0/24'), `${name} at ${ip}`).toBe(true);
      expect(addresses.has(ip), `${ip} twice`).toBe(false);
      addresses.add(ip);
      expect(s.image).toMatch(/^atp-netlab\/(lab|squid):[0-9a-f]{16}$/);
      expect(s.labels['atp-netlab']).toBe('1');
      for (const v of s.volumes ?? []) expect(fs.existsSync(v.source), v.source).toBe(true);
    }
    expect(doc.services.dns!.networks.lab!.ipv4_address).toBe('10.213.42.253');
    expect(doc.services.dns!.command).toContain('--address=/#/');
    expect(doc.services['windows-host']).toMatchObject({ stdin_open: true, hostname: 'windows-host', networks: { lab: { ipv4_address: '10.213.42.1' } } });
    // One probe command per identity, the engine's own command line.
    expect(Object.keys(doc['x-atp-netlab'].probe).sort()).toEqual(['CurrentUser', 'LocalService', 'LocalSystem']);
    expect(fs.statSync(path.join(dir, 'host', 'enrolled.key')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(dir, 'host-firewall.rules'), 'utf8')).toMatch(/^-A OUTPUT -m comment --comment "atp-netlab egress drop: default drop" -j DROP$/m);
  });

  it("proxy credentials: CurrentUser's in a 0600 file its probe command names (--proxy-credentials-file); the password is not in the Compose file", { timeout: 60_000 }, async () => {
    const { doc, dir, text } = await exportScenario('scenarios/proxy-auth-required.yaml');
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    const creds = path.join(dir, 'host', 'proxy-credentials-CurrentUser.txt');
    expect(fs.statSync(creds).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(creds, 'utf8')).toBe('CONTOSO\\admin:lab-only\n');
    expect(doc['x-atp-netlab'].probe.CurrentUser).toContain('--proxy-credentials-file /host/proxy-credentials-CurrentUser.txt');
    // The service identities have none to give (the scenario's point): no file, no option.
    expect(doc['x-atp-netlab'].probe.LocalService).not.toContain('--proxy-credentials-file');
    expect(fs.readdirSync(path.join(dir, 'host')).filter((f) => f.startsWith('proxy-credentials-'))).toEqual(['proxy-credentials-CurrentUser.txt']);
    expect(text).not.toContain('lab-only');
  });

  const noSquid = squidImageUnavailable();
  it.skipIf(noSquid !== undefined)(`a squid component runs the Squid image with its folder at the same path; the file still validates${noSquid ? ` (skipped: ${noSquid})` : ''}`, { timeout: 60_000 }, async () => {
    const { doc } = await exportScenario('scenarios/twins/squid-splice-atp.yaml');
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    const squid = Object.values(doc.services).find((s) => s.image.startsWith('atp-netlab/squid:'))!;
    const mount = squid.volumes![0]!;
    expect(mount.source).toBe(mount.target);
    expect(squid.command).toEqual(['-N', '-f', path.join(mount.source, 'squid.conf')]);
    expect(fs.readFileSync(path.join(mount.source, 'squid.conf'), 'utf8')).toMatch(/ssl_bump splice lab_splice/);
  });

  const noMitm = mitmproxyImageUnavailable();
  it.skipIf(noMitm !== undefined)(`a mitmproxy component runs the mitmproxy image with its folder at the same path; the file still validates${noMitm ? ` (skipped: ${noMitm})` : ''}`, { timeout: 60_000 }, async () => {
    const { doc } = await exportScenario('scenarios/twins/mitmproxy-splice-atp.yaml');
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    const mitm = Object.values(doc.services).find((s) => s.image.startsWith('atp-netlab/mitmproxy:'))!;
    const mount = mitm.volumes![0]!;
    expect(mount.source).toBe(mount.target);
    expect(mitm.command).toEqual(expect.arrayContaining(['-s', path.join(mount.source, 'lab_only.py')]));
    expect(fs.statSync(path.join(mount.source, 'conf', 'mitmproxy-ca.pem')).mode & 0o777).toBe(0o600);
  });

  it('bad input: a subnet that is not a private /24 and a scenario the docker engine cannot run (a v3 gateway check) exit 2 with the reason', { timeout: 60_000 }, async () => {
    const bad = await runCli(['lab', 'export', '--scenario', 'scenarios/direct-blocked.yaml', '--compose', '-', '--subnet', '8.8.8.0/24', '--dir', path.join(tmp, 'bad')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--subnet: "8\.8\.8\.0\/24" is not a private IPv4 \/24/);
    const v3 = await runCli(['lab', 'export', '--scenario', 'scenarios/v3-proxy-auth-unsupported.yaml', '--compose', '-', '--dir', path.join(tmp, 'v3')]);
    expect(v3.code).toBe(2);
    expect(v3.stderr).toMatch(/cannot be exported: the host probe checks https:\/\/HOST\/tri\/sensor\/api\/ping only/);
    const project = await runCli(['lab', 'export', '--scenario', 'scenarios/direct-blocked.yaml', '--compose', '-', '--project', 'Bad Name', '--dir', path.join(tmp, 'bad-project')]);
    expect(project.code).toBe(2);
    expect(project.stderr).toMatch(/--project "Bad Name": a Compose project name is lowercase/);
  });
});

const missing = await dockerEngine.prerequisites();
function sh(command: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => execFile('bash', ['-c', command], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (e, stdout) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout: String(stdout) })));
}

describe.skipIf(missing.length > 0)(`lab export --compose, replayed with the docker CLI${missing.length ? ` (skipped: ${missing.join('; ')})` : ''}`, () => {
  /** What `docker compose up` would do with the fields this file uses, one docker command each. */
  async function replay(doc: ComposeFile): Promise<void> {
    const net = doc.networks.lab!;
    const labels = (l: Record<string, string>) => Object.entries(l).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    await docker(['network', 'create', '--internal', '--driver', 'bridge', '--subnet', net.ipam.config[0]!.subnet, '--gateway', net.ipam.config[0]!.gateway, ...labels(net.labels), net.name]);
    for (const [name, s] of Object.entries(doc.services)) {
      const vols = (s.volumes ?? []).flatMap((v) => ['-v', `${v.source}:${v.target}${v.read_only ? ':ro' : ''}`]);
      await docker(['run', '-d', ...(s.stdin_open ? ['-i'] : []), ...(s.hostname ? ['--hostname', s.hostname] : []), '--name', `${doc.name}-${name}-1`, '--network', net.name, '--ip', s.networks.lab!.ipv4_address, ...labels(s.labels), ...vols, ...(s.entrypoint ? ['--entrypoint', s.entrypoint[0]!] : []), s.image, ...(s.command ?? [])]);
    }
  }

  it('proxy-allowlist-ok: the replayed file is a working lab; its probe command gives the same step and code as inproc', { timeout: 300_000 }, async () => {
    await ensureLabImage();
    if (!squidImageUnavailable()) await ensureSquidImage();
    const scenario = 'scenarios/proxy-allowlist-ok.yaml';
    // A project and subnet of this run's own: another checkout's replay (or one it left) on the
    // same daemon holds atpnl-<scenario> and the scenario's default subnet.
    const { doc } = await exportScenario(scenario, ['--project', `atpnl-test-${process.pid}`, '--subnet', `10.213.${200 + (process.pid % 50)}.0/24`]);
    expect(doc.name).toBe(`atpnl-test-${process.pid}`);
    try {
      await replay(doc);
      const host = `${doc.name}-windows-host-1`;
      const firewall = doc['x-atp-netlab'].firewall.replace(/^as root, after up: /, '').replace(`"$(docker compose -p ${doc.name} ps -q windows-host)"`, host);
      expect((await sh(firewall)).code).toBe(0);
      // Components listen within seconds; the probe command is the file's, on the replayed container.
      await new Promise((r) => setTimeout(r, 2000));
      const inproc = await runScenario(await loadScenarioFile(scenario), await testPki(), { engine: inprocEngine });
      for (const [identity, command] of Object.entries(doc['x-atp-netlab'].probe)) {
        // The file's own command line, through bash, with `docker compose … exec -T` as the replay's `docker exec`.
        const r = await sh(command.replace(`docker compose -p ${doc.name} exec -T windows-host `, `docker exec ${host} `));
        const report = JSON.parse(r.stdout) as { checks: { host: string; observed: { step: string | null; code: string } }[] };
        const want = inproc.checks.filter((c) => c.identity === identity).map((c) => `${c.host} ${c.observed.step}/${c.observed.code}`).sort();
        expect(report.checks.map((c) => `${c.host} ${c.observed.step}/${c.observed.code}`).sort()).toEqual(want);
      }
    } finally {
      // Only this replay's objects (label atp-netlab.run=<project>): other labs may be running.
      await pruneLabObjects(doc.name);
    }
    // Containers and the network: a network left behind (the replay once created it without the
    // file's run label) fails the next run with "already exists".
    expect(await docker(['ps', '-aq', '--filter', `label=atp-netlab.run=${doc.name}`])).toBe('');
    expect(await docker(['network', 'ls', '-q', '--filter', `label=atp-netlab.run=${doc.name}`])).toBe('');
    expect(await docker(['network', 'ls', '-q', '--filter', `name=^${doc.name}$`])).toBe('');
  });
});
