/**
 * `probe --proxy-log` against a real Squid 5.7 configured the way a customer's is: the native
 * `squid` access log (Squid's default format) and `deny_info TCP_RESET` for the sensor's host.
 * The real probe (real transport, `--proxy`) sees only a reset; with Squid's own log it names
 * the policy denial and quotes Squid's line, without it (or with a log holding only an old
 * denial) it can only say PROXY_CLOSED. Squid's log is read back to check what Squid wrote.
 *
 * Containment: Squid listens on 127.0.0.1 only, resolves names only through its hosts_file
 * (the workspace → 127.0.0.1) with a resolver address where nothing answers, and denies the
 * one host the probe asks for: nothing leaves the machine.
 *
 * The same for a lab rehearsal (`lab up` of squid-denies-with-reset, the lab's Squid writing the
 * lab's own log format), probed from outside.
 *
 * Skipped with the reason where Squid is missing.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLabForScenario } from '../../src/cli/commands/lab-up.js';
import { probeCommand, type ProbeCommandOptions } from '../../src/cli/commands/probe.js';
import type { StartedInprocLab } from '../../src/engines/inproc/inproc-engine.js';
import { ChildProcessComponent, findBinary } from '../../src/lab/child-process-component.js';
import { SQUID_BINARIES } from '../../src/lab/kinds/squid-kind.js';
import type { StartedSquid } from '../../src/lab/squid.js';
import { makeTempDir, removeTempDir } from '../../src/temp-dirs.js';
import { TEST_CERTS_DIR } from '../helpers/test-certs.js';
import { freePort } from '../helpers/free-port.js';

const SQUID = findBinary(SQUID_BINARIES);
const reason = SQUID ? undefined : 'squid is not installed (apt-get install squid-openssl)';
const WORKSPACE = 'contosoatpsensorapi.atp.azure.com';

/** A customer-like squid.conf: the default native access log, and a policy denial sent as a reset. */
function customerConfig(dir: string, port: number, root: boolean): string {
  return [
    `http_port 127.0.0.1:${port}`,
    `pid_filename ${dir}/squid.pid`,
    `cache_log ${dir}/cache.log`,
    `coredump_dir ${dir}`,
    `hosts_file ${dir}/hosts`,
    // where no DNS server answers: a name outside hosts_file fails, and no query leaves the machine
    'dns_nameservers 127.0.0.1',
    'dns_timeout 1 seconds',
    'shutdown_lifetime 0 seconds',
    'pinger_enable off',
    'netdb_filename none',
    'icp_port 0',
    'htcp_port 0',
    ...(root ? ['cache_effective_user proxy'] : []),
    // Squid's default: `access_log daemon:/var/log/squid/access.log squid` (Debian); stdio here, same format.
    `access_log stdio:${dir}/access.log squid`,
    'acl sensorapi dstdomain .atp.azure.com',
    'http_access deny sensorapi',
    'deny_info TCP_RESET sensorapi',
    'http_access allow localhost',
    'http_access deny all',
  ].join('\n') + '\n';
}

describe.skipIf(reason !== undefined)(`probe --proxy-log with a real Squid (native log, deny_info TCP_RESET)${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let dir: string;
  let squid: ChildProcessComponent;
  let base: ProbeCommandOptions;
  let accessLog: string;

  beforeAll(async () => {
    dir = await makeTempDir('probe-proxy-log');
    const port = await freePort();
    const root = process.getuid?.() === 0;
    accessLog = path.join(dir, 'access.log');
    await fs.writeFile(path.join(dir, 'hosts'), `127.0.0.1 ${WORKSPACE}\n`);
    await fs.writeFile(accessLog, '');
    await fs.writeFile(path.join(dir, 'squid.conf'), customerConfig(dir, port, root));
    if (root) {
      // Squid refuses to run as root and drops to `proxy`, which must write its logs here.
      execFileSync('chown', ['-R', 'proxy', dir]);
    }
    squid = await ChildProcessComponent.start({ what: 'squid (customer-like)', binary: SQUID!, args: ['-N', '-f', path.join(dir, 'squid.conf')], dir, address: '127.0.0.1', port, readyTimeoutMs: 10_000 });
    base = {
      workspace: 'contosoATP',
      proxy: `http://127.0.0.1:${port}`,
      resolve: [`${WORKSPACE}:127.0.0.1`],
      hostChecks: false,
      revocation: 'off',
      timeoutMs: 5_000,
      json: true,
    };
  }, 30_000);

  afterAll(async () => {
    await squid?.stop();
    if (dir) await removeTempDir(dir);
  });

  const squidLines = async () => (await fs.readFile(accessLog, 'utf8')).split('\n').filter(Boolean);

  it('with --proxy-log: PROXY_DENIED, quoting the TCP_DENIED/000 line Squid wrote; without it: PROXY_CLOSED', async () => {
    const before = (await squidLines()).length;
    const out = await probeCommand({ ...base, proxyLog: [accessLog] });
    const observed = out.report.checks[0]!.observed;
    const lines = await squidLines();
    // What Squid itself wrote for the reset: the native line of a deny_info TCP_RESET denial.
    const denial = lines.slice(before).find((l) => / TCP_DENIED\/000 0 CONNECT contosoatpsensorapi\.atp\.azure\.com:443 /.test(l));
    expect(denial, lines.slice(before).join('\n')).toBeDefined();
    const lineNo = lines.indexOf(denial!) + 1;
    expect(observed).toMatchObject({ reachable: false, step: 'proxy', code: 'PROXY_DENIED', responder: { kind: 'proxy' } });
    expect(observed.detail).toContain(`squid ${accessLog}:${lineNo}: TCP_DENIED/000 CONNECT ${WORKSPACE}:443`);
    expect(observed.proxyLogs).toEqual([expect.objectContaining({ file: accessLog, unparsed: 0, lineNumbersFrom: 'start', match: expect.objectContaining({ line: lineNo, text: denial }) })]);
    expect(out.exitCode).toBe(1);
    // The JSON report carries it.
    expect(JSON.parse(out.stdout).checks[0].observed.proxyLogs[0].match.text).toBe(denial);

    const without = await probeCommand({ ...base });
    expect(without.report.checks[0]!.observed).toMatchObject({ reachable: false, step: 'proxy', code: 'PROXY_CLOSED' });
    expect(without.report.checks[0]!.observed.proxyLogs).toBeUndefined();
    expect(without.exitCode).toBe(1);
  }, 30_000);

  it('a log holding only an old denial (an hour before the attempt) does not explain the reset: PROXY_CLOSED, with a warning saying what was searched', async () => {
    const real = (await squidLines()).find((l) => l.includes(' TCP_DENIED/000 '));
    expect(real, 'the first test made Squid log a denial').toBeDefined();
    const [time, ...rest] = real!.split(' ');
    const old = [(Number(time) - 3600).toFixed(3), ...rest].join(' ');
    const copy = path.join(dir, 'access-old.log');
    await fs.writeFile(copy, `${old}\nnot a squid line\n`);
    const out = await probeCommand({ ...base, proxyLog: [copy] });
    const observed = out.report.checks[0]!.observed;
    expect(observed).toMatchObject({ reachable: false, step: 'proxy', code: 'PROXY_CLOSED' });
    expect(observed.proxyLogs).toEqual([expect.objectContaining({ lines: 2, unparsed: 1, firstUnparsedLine: 2 })]);
    expect(observed.proxyLogs![0]!.match).toBeUndefined();
    expect(observed.warnings).toEqual(expect.arrayContaining([
      expect.stringContaining(`--proxy-log ${copy}: 1 of 2 line(s) in no known format`),
      expect.stringContaining(`--proxy-log ${copy}: no denial without a status (e.g. TCP_DENIED/000) of CONNECT ${WORKSPACE}:443`),
    ]));
    // The same line inside the window is the denial: the window, not the text, decided.
    await fs.writeFile(copy, `${old}\n${[(Date.now() / 1000).toFixed(3), ...rest].join(' ')}\n`);
    expect((await probeCommand({ ...base, proxyLog: [copy] })).report.checks[0]!.observed.code).toBe('PROXY_DENIED');
  }, 30_000);
});

describe.skipIf(reason !== undefined)(`probe --proxy-log on a lab rehearsal (lab up, the lab's Squid and its own log format)${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it("squid-denies-with-reset from outside: PROXY_CLOSED from the probe alone, PROXY_DENIED with the lab Squid's access log", async () => {
    await using running = await startLabForScenario('scenarios/twins/squid-denies-with-reset.yaml', { certs: TEST_CERTS_DIR });
    const squidLog = (running.lab as StartedInprocLab).component<StartedSquid>('corp-proxy')!.files.accessLog;
    const opts = { ...running.probeOptions, identity: 'LocalService', timeoutMs: 5_000 };
    expect((await probeCommand(opts)).report.checks[0]!.observed.code).toBe('PROXY_CLOSED');
    const out = await probeCommand({ ...opts, proxyLog: [squidLog] });
    const observed = out.report.checks.find((c) => c.host === WORKSPACE)!.observed;
    expect(observed).toMatchObject({ code: 'PROXY_DENIED', step: 'proxy' });
    // The lab's format carries Squid's %err_code: deny_info TCP_RESET logs it as TCP_RESET.
    const lineNo = observed.proxyLogs![0]!.match!.line;
    expect(observed.detail).toContain(`policy denial: ${squidLog}:${lineNo}: TCP_DENIED/000 TCP_RESET CONNECT ${WORKSPACE}:443 (logged `);
    expect(observed.proxyLogs![0]).toMatchObject({ unparsed: 0, match: { text: expect.stringContaining('|CONNECT|') } });
  }, 60_000);
});
