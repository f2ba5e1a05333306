/**
 * `atp-netlab probe`: one host's real check, with the real network and the probe code the lab
 * runs. Exit 0 = every host reachable, 1 = some not, 2 = usage or unreadable input.
 */
import { Option } from 'commander';
import { parseRegion, parseSensorGeneration, SENSOR_GENERATION_IDS, type Cloud, type Edition, type Region } from '../../catalog/index.js';
import { AtpNetlabError } from '../../errors.js';
import { IDENTITIES, parseIdentity, type Identity } from '../../identity.js';
import { probeHost, type ProbeHostOptions, type ProbeHostReport, type RouteSpec } from '../../probe/probe-host.js';
import { SOURCES } from '../../catalog/sources.js';
import type { HostCheckEntry, HostChecksReport } from '../../probe/host/real-host-checks.js';
import type { RegisterCommand } from './index.js';
import { addMatrixOptions, probeMatrixCommand, rejectMatrixOnlyOptions, type ProbeMatrixCommandOptions } from './probe-matrix-option.js';
import { PROXY_LOG_DEFAULT_TOLERANCE_MS } from '../../probe/proxy-log-reports.js';
import { positiveInt } from './int-option.js';

export interface ProbeCommandOptions {
  sensor?: string;
  workspace?: string;
  region?: string;
  cloud?: string;
  edition?: string[];
  extraHost?: string[];
  identity?: string;
  reg?: string;
  proxy?: string;
  pac?: string;
  sensorConfig?: string;
  ca?: string[];
  expectRoot?: string[];
  hosts?: string;
  resolve?: string[];
  dnsSuffix?: string[];
  clientCert?: string;
  clientKey?: string;
  proxyCredentialsFile?: string;
  authPath?: string;
  json?: boolean;
  timeoutMs?: number;
  tcpTimeoutMs?: number;
  revocation?: 'off' | 'warn' | 'enforce';
  /** --host-checks (true) / --no-host-checks (false); undefined: auto (Windows). */
  hostChecks?: boolean;
  hostReg?: string[];
  updaterPort?: number;
  proxyLog?: string[];
  proxyLogToleranceMs?: number;
}

export interface ProbeCommandOutput {
  exitCode: 0 | 1;
  stdout: string;
  report: ProbeHostReport;
}

const CLOUDS: Cloud[] = ['commercial', 'gcc', 'gcc-high'];
const EDITIONS: Edition[] = ['seed-2018', 'table-2020', 'workspace'];

function usage(message: string, field?: string): AtpNetlabError {
  return new AtpNetlabError('ATPNL_USAGE', message, field ? { field } : {});
}

/** CLI options → probeHost options; every usage problem is an AtpNetlabError (exit 2). */
export function probeOptionsFromCli(o: ProbeCommandOptions): ProbeHostOptions {
  const sensor = o.sensor !== undefined ? parseSensorGeneration(o.sensor) : undefined;
  if (o.sensor !== undefined && !sensor) throw usage(`unknown sensor generation ${JSON.stringify(o.sensor)} (one of ${SENSOR_GENERATION_IDS.join(', ')})`, 'sensor');
  // The v3 sensor runs as LocalSystem (Defender for Endpoint); the v2 sensor service as LocalService.
  const identity: Identity | undefined = parseIdentity(o.identity ?? (sensor === 'v3' ? 'LocalSystem' : 'LocalService'));
  if (!identity) throw usage(`unknown identity ${JSON.stringify(o.identity)} (one of ${IDENTITIES.join(', ')})`, 'identity');
  const given = (['reg', 'proxy', 'pac', 'sensorConfig'] as const).filter((k) => o[k] !== undefined);
  if (given.length > 1) throw usage(`give one of --reg, --proxy, --pac, --sensor-config (got ${given.map((g) => (g === 'sensorConfig' ? '--sensor-config' : `--${g}`)).join(' and ')})`);
  const route: RouteSpec | undefined =
    o.reg !== undefined ? { kind: 'reg', file: o.reg }
    : o.proxy !== undefined ? { kind: 'proxy', proxy: o.proxy }
    : o.pac !== undefined ? { kind: 'pac', url: o.pac }
    : o.sensorConfig !== undefined ? { kind: 'sensor-config', file: o.sensorConfig }
    : undefined;
  const region: Region | undefined = o.region !== undefined ? parseRegion(o.region) : undefined;
  if (o.cloud !== undefined && !CLOUDS.includes(o.cloud as Cloud)) throw usage(`unknown cloud ${JSON.stringify(o.cloud)} (one of ${CLOUDS.join(', ')})`, 'cloud');
  for (const e of o.edition ?? []) if (!EDITIONS.includes(e as Edition)) throw usage(`unknown edition ${JSON.stringify(e)} (one of ${EDITIONS.join(', ')})`, 'edition');
  // A log is read again after every check, from its end: a stream (stdin) cannot be.
  if (o.proxyLog?.includes('-')) throw usage('--proxy-log -: give the log as a file (it is read after each check, from its end)', 'proxy-log');
  if (o.proxyLogToleranceMs !== undefined && !o.proxyLog?.length) throw usage('--proxy-log-tolerance-ms needs --proxy-log', 'proxy-log-tolerance-ms');
  if (sensor !== 'v3' && o.workspace === undefined && region === undefined && !o.extraHost?.length && o.sensorConfig === undefined) {
    throw usage('give --workspace (e.g. --workspace contosoATP), --region, --extra-host, or --sensor-config', 'workspace');
  }
  return {
    identity,
    ...(sensor ? { sensor } : {}),
    ...(o.workspace !== undefined ? { workspace: o.workspace } : {}),
    ...(region ? { region } : {}),
    ...(o.cloud !== undefined ? { cloud: o.cloud as Cloud } : {}),
    ...(o.edition?.length ? { editions: o.edition as Edition[] } : {}),
    ...(o.extraHost?.length ? { extraHosts: o.extraHost } : {}),
    ...(route ? { route } : {}),
    ...(o.ca?.length ? { caFiles: o.ca } : {}),
    ...(o.expectRoot?.length ? { expectRoots: o.expectRoot } : {}),
    ...(o.hosts !== undefined ? { hostsFile: o.hosts } : {}),
    ...(o.resolve?.length ? { resolve: o.resolve } : {}),
    ...(o.dnsSuffix?.length ? { dnsSuffixes: o.dnsSuffix } : {}),
    ...(o.clientCert !== undefined ? { clientCertFile: o.clientCert } : {}),
    ...(o.clientKey !== undefined ? { clientKeyFile: o.clientKey } : {}),
    ...(o.proxyCredentialsFile !== undefined ? { proxyCredentialsFile: o.proxyCredentialsFile } : {}),
    ...(o.authPath !== undefined ? { authPath: o.authPath } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.tcpTimeoutMs !== undefined ? { tcpTimeoutMs: o.tcpTimeoutMs } : {}),
    ...(o.revocation !== undefined ? { revocation: o.revocation } : {}),
    ...(o.hostChecks !== undefined ? { hostChecks: o.hostChecks ? 'on' : 'off' } : {}),
    ...(o.hostReg?.length ? { hostRegFiles: o.hostReg } : {}),
    ...(o.updaterPort !== undefined ? { updaterPort: o.updaterPort } : {}),
    ...(o.proxyLog?.length ? { proxyLogs: o.proxyLog } : {}),
    ...(o.proxyLogToleranceMs !== undefined ? { proxyLogToleranceMs: o.proxyLogToleranceMs } : {}),
  };
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function renderProbeTable(r: ProbeHostReport): string {
  const rows = r.checks.map((c) => {
    const o = c.observed;
    return {
      host: c.host,
      reachable: o.reachable ? 'yes' : 'NO',
      code: o.reachable ? `${o.code}${o.pingAnswer ? ` (${o.pingAnswer})` : ''}` : `${o.step}/${o.code}`,
      route: `${o.route}${o.routeSource ? ` (${o.routeSource})` : ''}`,
      chain: o.issuer ? `${o.inspected ? 'INSPECTED, ' : ''}issued by ${o.issuer}` : '-',
      detail: o.detail,
      warnings: o.warnings ?? [],
    };
  });
  const head = { host: 'host', reachable: 'reachable', code: 'step/code', route: 'route (source)', chain: 'chain' };
  // (the host prerequisites come before the table: a failed one decides every row)
  const w = (k: keyof typeof head) => Math.max(head[k].length, ...rows.map((x) => x[k].length));
  const line = (x: typeof head) => [pad(x.host, w('host')), pad(x.reachable, w('reachable')), pad(x.code, w('code')), pad(x.route, w('route')), x.chain].join('  ').trimEnd();
  const out: string[] = [];
  out.push(`atp-netlab probe (real network) as ${r.identity}, sensor ${r.sensor}${r.workspace ? `, workspace ${r.workspace}` : ''}${r.region ? `, region ${r.region}` : ''}; settings: ${r.settings}`);
  for (const n of r.notes) out.push(`note: ${n}`);
  if (r.host) out.push('', ...renderHostChecks(r.host));
  out.push('');
  out.push(line(head));
  for (const x of rows) {
    out.push(line(x));
    out.push(`    ${x.detail}`);
    for (const warning of x.warnings) out.push(`    warning: ${warning}`);
  }
  if (r.revocation) {
    out.push('');
    out.push(`revocation data (${r.revocation.mode}):`);
    for (const c of r.revocation.checks) out.push(`  ${c.reachable ? 'ok  ' : 'FAIL'} ${c.url} ${c.reachable ? '' : `${c.step}/${c.code} via ${c.route}: ${c.detail}`}`.trimEnd());
  }
  const ok = r.checks.filter((c) => c.observed.reachable).length;
  out.push('');
  out.push(`${ok} of ${r.checks.length} host(s) reachable as ${r.identity}.`);
  return out.join('\n') + '\n';
}

const HOST_STATUS: Record<HostCheckEntry['status'], string> = { ok: 'ok', failed: 'FAILED', indeterminate: 'UNKNOWN', 'not-run': 'not run' };

/** The host prerequisites block of the table: one line per check, the fix under a failed one. */
export function renderHostChecks(h: HostChecksReport): string[] {
  const out = [`host prerequisites (${h.ran ? `read-only${h.registry ? `, ${h.registry}` : ''}` : 'not run'}):`];
  if (!h.ran) {
    out.push(`  not run: ${h.reason}`);
    return out;
  }
  for (const c of h.checks) {
    out.push(`  ${pad(HOST_STATUS[c.status], 7)}  ${pad(c.check, 14)}  ${c.code ? `${c.code}: ` : ''}${c.detail}`);
    if (c.remediation) out.push(`  ${' '.repeat(7)}  fix: ${c.remediation} (${SOURCES[c.source!].path}, "${c.section}")`);
  }
  return out;
}

export async function probeCommand(o: ProbeCommandOptions, onProgress?: (line: string) => void): Promise<ProbeCommandOutput> {
  const opts = probeOptionsFromCli(o);
  const report = await probeHost({ ...opts, ...(onProgress ? { onProgress } : {}) });
  const stdout = o.json ? JSON.stringify(report, null, 2) + '\n' : renderProbeTable(report);
  return { exitCode: report.checks.every((c) => c.observed.reachable) ? 0 : 1, stdout, report };
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export const registerProbe: RegisterCommand = (program, setExit) => {
  const cmd = program
    .command('probe')
    .description("check this host's real connectivity to the sensorapi endpoints, as one identity, with the lab's probe code")
    .option('--workspace <name>', 'workspace name (checks <name>sensorapi.atp.azure.com)')
    .option('--region <region>', 'also check the regional hosts: us, europe, asia, uk, us-gcc-high')
    .option('--cloud <cloud>', 'commercial, gcc or gcc-high (default from the region)')
    .option('--edition <edition>', 'catalogue edition of the regional hosts (repeatable): seed-2018, table-2020, workspace', collect)
    .option('--extra-host <host>', 'another host to check (repeatable)', collect)
    .option('--sensor <generation>', `sensor generation: ${SENSOR_GENERATION_IDS.join(', ')} (default v2 with --sensor-config, else v2-wininet); v3 checks the Defender for Endpoint gateways' /cnc/identity/api over WinHTTP's proxy`)
    .option('--identity <identity>', `identity whose settings are used: ${IDENTITIES.join(', ')} (default LocalService; LocalSystem with --sensor v3)`)
    .option('--reg <file>', "a .reg export holding the identity's DefaultConnectionSettings (full-hive exports work)")
    .option('--proxy <url>', 'a static proxy: http://host:port or a WinINET proxy string (https=host:port)')
    .option('--proxy-credentials-file <file>', "the identity's proxy credentials, one line user:password, mode 0600, or - to read them from stdin (kept off the command line; only CurrentUser answers a 407)")
    .option('--pac <url>', 'an automatic configuration (PAC) script URL')
    .option('--sensor-config <file>', "the sensor's SensorConfiguration.json (its own proxy and endpoint)")
    .option('--ca <file>', 'extra trusted CA certificates, PEM (repeatable; added to the bundled roots)', collect)
    .option('--expect-root <cn>', 'root CN that counts as the cloud chain, besides DigiCert Global Root G2 / Baltimore (repeatable)', collect)
    .option('--hosts <file>', 'pin names with a hosts-format file (addr name...)')
    .option('--resolve <host:addr[:port]>', 'pin one name, like curl --resolve; with :port, connections to that address go to that port (a lab with mapped ports) (repeatable)', collect)
    .option('--dns-suffix <suffix>', 'DNS suffix search list entry, for WPAD and bare names (repeatable)', collect)
    .option('--client-cert <file>', 'present this client certificate (PEM chain) when a server asks')
    .option('--client-key <file>', 'key of --client-cert (PEM)')
    .option('--auth-path <path>', 'after the ping, GET this path too (lab rehearsals: /tri/sensor/api/lab/authenticated)')
    .option('--json', 'print the JSON result (schema 1, mode real)')
    .addOption(new Option('--timeout-ms <n>', 'deadline of one host check').argParser(positiveInt))
    .addOption(new Option('--tcp-timeout-ms <n>', 'deadline of the TCP connect alone (a lab rehearsal behind a dropping firewall)').argParser(positiveInt))
    .addOption(
      new Option('--host-checks', 'check the host prerequisites (updater on localhost:444, .NET TLS values, machine roots, clock skew; read-only): default on Windows; here forces them (without a registry only the updater port and clock run)'),
    )
    .addOption(new Option('--no-host-checks', 'do not check the host prerequisites'))
    .option('--host-reg <file>', "the sensor host's HKLM as a .reg export (reg export of the .NET key, SystemCertificates...): the registry host checks read it instead (repeatable)", collect)
    .option(
      '--proxy-log <file>',
      "the proxy's own access log (Squid's native `squid` format, or the lab's), read after each check (repeatable): a reset right after CONNECT that it logged as a denial (TCP_DENIED/000, deny_info TCP_RESET) inside the attempt's time window is PROXY_DENIED, quoting the line; only the last 16 MiB are read",
      collect,
    )
    .addOption(new Option('--proxy-log-tolerance-ms <n>', `allowance for the proxy's clock when matching --proxy-log lines to the attempt (default ${PROXY_LOG_DEFAULT_TOLERANCE_MS}: five minutes, the Kerberos skew limit)`).argParser(positiveInt))
    .addOption(new Option('--updater-port <n>', 'dial this port instead of the updater\'s 444 (rehearsals and tests)').argParser(positiveInt))
    .addOption(
      new Option('--revocation <mode>', 'also fetch certificate revocation data over the same route: warn = report unreachable hosts as warnings, enforce = fail the checks (default: warn, or off when names are pinned with --hosts/--resolve)').choices(['off', 'warn', 'enforce']),
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  atp-netlab probe --workspace contosoATP                                # DIRECT (or the live registry on Windows)\n' +
        '  atp-netlab probe --workspace contosoATP --reg export.reg --identity LocalService\n' +
        '  atp-netlab probe --workspace contosoATP --region europe --proxy http://proxy.contoso.com:8080\n' +
        "  atp-netlab probe --workspace contosoATP --identity CurrentUser --proxy http://proxy.contoso.com:8080 --proxy-credentials-file creds.txt   # creds.txt: user:password, chmod 600\n" +
        '  atp-netlab probe --sensor v3 --region europe --reg hklm-export.reg           # v3: TelemetryProxyServer / netsh winhttp\n' +
        '  atp-netlab probe --sensor-config "C:\\Program Files\\Azure Advanced Threat Protection Sensor\\2.x\\SensorConfiguration.json"\n' +
        '  atp-netlab probe --workspace contosoATP --no-host-checks                 # network only (host checks are on by default on Windows)\n' +
        '  atp-netlab probe --workspace contosoATP --host-checks --json             # off Windows: updater port and clock; registry checks "not run"\n' +
        '  atp-netlab probe --workspace contosoATP --host-reg dotnet.reg --host-reg systemcertificates.reg   # a customer\'s exports, read here\n' +
        '  atp-netlab probe --workspace contosoATP --proxy http://proxy.contoso.com:3128 --proxy-log /mnt/proxy/access.log   # a reset Squid logged as TCP_DENIED/000 is PROXY_DENIED\n' +
        '\nHost checks (read-only; on by default on Windows, where the registry is read with reg.exe): the updater on\n' +
        'localhost:444 (HOST_UPDATER_PORT_BLOCKED / HOST_UPDATER_NOT_LISTENING), the .NET TLS values (HOST_DOTNET_TLS_VALUES),\n' +
        'the required root in the LocalMachine stores HKLM\\SOFTWARE\\Microsoft\\SystemCertificates (HOST_ROOT_MISSING), the clock\n' +
        "against the cloud's Date header (HOST_CLOCK_SKEW). A failed one decides every check (step host); one that could not\n" +
        'be run or judged says why and is never a pass.\n' +
        '\nExit codes: 0 every host reachable, 1 some not (a failed host check included), 2 invalid input or usage, 3 a bug in atp-netlab (please report it).',
    );
  addMatrixOptions(cmd).action(async (o: ProbeMatrixCommandOptions) => {
      const progress = (line: string) => process.stderr.write(`atp-netlab: ${line}\n`);
      rejectMatrixOnlyOptions(o);
      const out = o.matrix ? await probeMatrixCommand(o, progress) : await probeCommand(o, progress);
      process.stdout.write(out.stdout);
      setExit(out.exitCode);
    });
};
