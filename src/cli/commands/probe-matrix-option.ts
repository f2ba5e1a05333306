/**
 * `atp-netlab probe --matrix`: the probe's options, read as the inputs of every proxy method
 * at once (src/probe/matrix-methods.ts), and the matrix as a table or JSON
 * (docs/probe-matrix-schema.md). In matrix mode `--reg`, `--sensor-config` and `--proxy` may
 * be given together: each feeds its own column instead of choosing the one route.
 */
import type { Command } from 'commander';
import { AtpNetlabError } from '../../errors.js';
import { IDENTITIES, parseIdentity, type Identity } from '../../identity.js';
import { MATRIX_METHOD_INFO, MATRIX_METHODS, type MatrixMethod } from '../../probe/matrix-methods.js';
import { MATRIX_DEFAULT_IDENTITIES, probeMatrix, type ProbeMatrixOptions, type ProbeMatrixReport } from '../../probe/probe-matrix.js';
import { matrixCellText, renderMatrixRows } from '../../report/matrix-table.js';
import { probeOptionsFromCli, type ProbeCommandOptions } from './probe.js';
import { padEnd as pad } from '../../report/terminal-text.js';

export interface ProbeMatrixCommandOptions extends ProbeCommandOptions {
  matrix?: boolean;
  /** Comma-separated identities (matrix only). */
  identities?: string;
  /** Comma-separated methods (matrix only). */
  methods?: string;
}

function usage(message: string, field: string): AtpNetlabError {
  return new AtpNetlabError('ATPNL_USAGE', message, { field });
}

function parseList<T extends string>(text: string, parse: (s: string) => T | undefined, what: string, one: string, all: readonly string[]): T[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const v = parse(s);
      if (!v) throw usage(`--${what}: unknown ${one} ${JSON.stringify(s)} (one of ${all.join(', ')})`, what);
      return v;
    });
}

export function matrixOptionsFromCli(o: ProbeMatrixCommandOptions): ProbeMatrixOptions {
  if (o.hostChecks !== undefined || o.updaterPort !== undefined || o.hostReg !== undefined) {
    throw usage('--matrix does not run the host checks (it compares proxy methods): run probe without --matrix for --host-checks / --no-host-checks / --host-reg / --updater-port', o.updaterPort !== undefined ? 'updater-port' : o.hostReg !== undefined ? 'host-reg' : 'host-checks');
  }
  if (o.proxyCredentialsFile !== undefined) throw usage('--matrix takes proxy credentials in --proxy http://user:pass@host only (its named-proxy column): run probe without --matrix for --proxy-credentials-file', 'proxy-credentials-file');
  if (o.pac !== undefined) throw usage('--matrix does not take --pac: the wininet column reads the identity\'s own PAC setting from --reg (or the live registry), the wpad column discovers WPAD', 'pac');
  // The shared options (hosts, trust, pins, timeouts) are read by the probe's own parser; the
  // route options are the matrix's inputs, so they are taken out first.
  const { reg, proxy, sensorConfig, pac: _pac, ...shared } = o;
  const base = probeOptionsFromCli({ ...shared, ...(sensorConfig !== undefined && shared.workspace === undefined ? { sensorConfig } : {}) });
  const { identity: _identity, route: _route, ...rest } = base;
  const identities = o.identities !== undefined ? parseList<Identity>(o.identities, parseIdentity, 'identities', 'identity', IDENTITIES) : MATRIX_DEFAULT_IDENTITIES;
  const methods = o.methods !== undefined ? parseList<MatrixMethod>(o.methods, (s) => MATRIX_METHODS.find((m) => m === s.toLowerCase()), 'methods', 'method', MATRIX_METHODS) : [...MATRIX_METHODS];
  if (identities.length === 0) throw usage('--identities: give at least one identity', 'identities');
  if (methods.length === 0) throw usage('--methods: give at least one method', 'methods');
  return {
    ...rest,
    identities,
    methods,
    ...(reg !== undefined ? { registry: { kind: 'reg' as const, file: reg } } : {}),
    ...(sensorConfig !== undefined ? { sensorConfigFile: sensorConfig } : {}),
    ...(proxy !== undefined ? { namedProxy: proxy } : {}),
  };
}

export function renderMatrixTable(r: ProbeMatrixReport): string {
  const out: string[] = [];
  out.push(`atp-netlab probe --matrix (real network)${r.workspace ? `, workspace ${r.workspace}` : ''}${r.region ? `, region ${r.region}` : ''}`);
  out.push(`inputs: registry ${r.inputs.registry ?? '(none)'}; sensor configuration ${r.inputs.sensorConfig ?? '(none)'}; named proxy ${r.inputs.namedProxy ?? '(none)'}`);
  for (const n of r.notes) out.push(`note: ${n}`);
  out.push('');
  out.push(...renderMatrixRows(r.rows, r.methods));
  out.push('');
  out.push('cells: yes CODE = reachable, NO step/CODE = the step that failed, - = not configured for this identity (nothing tried)');
  out.push('');
  for (const row of r.rows) {
    out.push(`${row.host} as ${row.identity}:`);
    for (const c of row.cells) {
      out.push(`  ${pad(c.method, 13)} ${c.configured ? `${pad(matrixCellText(c), 28)} ${c.route}${c.routeSource ? ` (${c.routeSource})` : ''}` : 'not configured'}`);
      out.push(`  ${' '.repeat(13)} ${c.detail}`);
    }
  }
  out.push('');
  const unreached = r.rows.filter((x) => x.reachableBy.length === 0);
  out.push(
    unreached.length === 0
      ? `every endpoint is reached by at least one method for every identity (${r.summary.rows} row(s)).`
      : `${unreached.length} of ${r.summary.rows} row(s) reached by no method: ${unreached.map((x) => `${x.host} as ${x.identity}`).join(', ')}.`,
  );
  return out.join('\n') + '\n';
}

export async function probeMatrixCommand(
  o: ProbeMatrixCommandOptions,
  onProgress?: (line: string) => void,
): Promise<{ exitCode: 0 | 1; stdout: string; report: ProbeMatrixReport }> {
  const opts = matrixOptionsFromCli(o);
  const report = await probeMatrix({ ...opts, ...(onProgress ? { onProgress } : {}) });
  return { exitCode: report.exitCode, stdout: o.json ? JSON.stringify(report, null, 2) + '\n' : renderMatrixTable(report), report };
}

export const MATRIX_HELP =
  '\nMatrix (--matrix): per endpoint and identity, the result under each proxy method an admin would try,\n' +
  'as Defender for Endpoint\'s client analyzer reports per method. Columns:\n' +
  MATRIX_METHODS.map((m) => `  ${pad(m, 14)}${MATRIX_METHOD_INFO[m]}\n`).join('') +
  'In matrix mode --reg (wininet, winhttp), --sensor-config (sensor-config) and --proxy (named-proxy) may be\n' +
  'given together; a method with no setting for an identity is "not configured" (code ROUTE_NOT_CONFIGURED), not a failure.\n' +
  '  atp-netlab probe --matrix --workspace contosoATP --reg host.reg --proxy http://proxy.contoso.com:8080\n' +
  '  atp-netlab probe --matrix --workspace contosoATP --reg host.reg --sensor-config SensorConfiguration.json --identities LocalService,LocalSystem --json\n' +
  'Matrix exit codes: 0 every endpoint is reached by at least one method for every identity asked, 1 some endpoint is\n' +
  'reached by no method for some identity (a method reaching it is a fix to apply, not proof the sensor works: run\n' +
  'probe without --matrix for the route the sensor takes), 2 invalid input or usage. JSON: docs/probe-matrix-schema.md.\n';

/** --identities and --methods mean something only with --matrix. */
export function rejectMatrixOnlyOptions(o: ProbeMatrixCommandOptions): void {
  if (o.matrix) return;
  for (const k of ['identities', 'methods'] as const) if (o[k] !== undefined) throw usage(`--${k} needs --matrix (without it, probe checks one identity: --identity)`, k);
}

/** Adds the matrix options to the probe command. */
export function addMatrixOptions(cmd: Command): Command {
  return cmd
    .option('--matrix', 'probe every proxy method (wininet, wpad, direct, sensor-config, winhttp, named-proxy) per endpoint and identity')
    .option('--identities <list>', `matrix: comma-separated identities (default ${MATRIX_DEFAULT_IDENTITIES.join(',')})`)
    .option('--methods <list>', `matrix: comma-separated methods (default all: ${MATRIX_METHODS.join(',')})`)
    .addHelpText('after', MATRIX_HELP);
}
