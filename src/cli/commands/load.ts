/**
 * `atp-netlab load --scenario FILE --sensors N --duration T`: what a proxy design carries.
 * A fleet of simulated sensors (each with its own enrolled certificate) holds long-lived
 * mutual-TLS connections through the scenario's path; see src/load/run-load.ts.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import { DEFAULT_ENGINE, ENGINES, engineByName } from '../../engines/index.js';
import { AtpNetlabError } from '../../errors.js';
import { IDENTITIES, type Identity } from '../../identity.js';
import { renderLoadHtml } from '../../load/load-html.js';
import { DEFAULT_SHAPE, LOAD_LIMITS, runLoad, type LoadReport } from '../../load/run-load.js';
import { LabPki, defaultPkiDir } from '../../pki/index.js';
import { loadScenarioFile } from '../../scenario/load-scenario.js';
import { scenarioPathFor } from '../scenario-by-name.js';
import type { RegisterCommand } from './index.js';

interface LoadCommandOptions {
  scenario: string;
  sensors: string;
  duration: string;
  engine?: string;
  identity: Identity;
  heartbeatMs?: string;
  uploadBytes?: string;
  uploadEveryMs?: string;
  rampMs?: string;
  stoppedAfter?: string;
  json?: string;
  html?: string;
  certs: string;
}

/** `90`, `90s`, `2m`, `500ms` → milliseconds. */
export function parseDurationMs(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new AtpNetlabError('ATPNL_USAGE', `--duration: "${v}" is not a duration (e.g. 30s, 2m, 500ms)`, { field: '--duration' });
  const n = Number(m[1]);
  return Math.round(m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000);
}

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new AtpNetlabError('ATPNL_USAGE', `${name}: "${v}" is not a whole number`, { field: name });
  return n;
}

export const registerLoad: RegisterCommand = (program, setExit) => {
  program
    .command('load')
    .description('a fleet of simulated sensors through a scenario\'s lab: what the proxy design carries')
    .requiredOption('--scenario <file>', 'scenario file (YAML) whose lab the sensors go through')
    .option('--sensors <n>', `simulated sensors, each with its own enrolled certificate (1-${LOAD_LIMITS.maxSensors})`, '50')
    .option('--duration <time>', `how long (30s, 2m; at most ${LOAD_LIMITS.maxDurationMs / 60_000} min)`, '30s')
    .addOption(new Option('--engine <name>', 'where the lab runs').choices(ENGINES.map((e) => e.name)).default(DEFAULT_ENGINE))
    .addOption(new Option('--identity <identity>', 'the sensor service\'s identity').choices([...IDENTITIES]).default('LocalSystem'))
    .option('--heartbeat-ms <ms>', `authenticated call interval per sensor (default ${DEFAULT_SHAPE.heartbeatMs})`)
    .option('--upload-bytes <n>', `upload size (default ${DEFAULT_SHAPE.uploadBytes}; 0 = no uploads)`)
    .option('--upload-every-ms <ms>', `upload interval per sensor (default ${DEFAULT_SHAPE.uploadEveryMs})`)
    .option('--ramp-ms <ms>', 'spread the sensors\' first connections over this time (default 1000; 0 = all at once)')
    .option('--stopped-after <time>', 'no contact for this long counts as "Sensor stopped communicating" (default: 5 min, scaled to a third of a shorter run, at least 2 s)')
    .option('--json <file>', 'write the load report (JSON, schema 1); - for stdout')
    .option('--html <file>', 'write the load report as a self-contained HTML page with plots over time')
    .option('--certs <dir>', 'lab PKI cache directory', defaultPkiDir())
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  atp-netlab load --scenario scenarios/proxy-allowlist-ok.yaml --sensors 200 --duration 30s\n' +
        '  atp-netlab load --scenario scenarios/inspection-intercept-mutual.yaml --sensors 500 --duration 1m --ramp-ms 0 --html load.html\n' +
        '  atp-netlab load --scenario scenarios/twins/squid-allowlist-ok.yaml --sensors 100 --duration 20s --json -   # a real Squid\'s capacity\n' +
        '  atp-netlab load --scenario scenarios/fault-latency.yaml --engine docker --sensors 20 --duration 20s --identity LocalService   # containers, faults on the relay\n' +
        '\nReports connections established, handshakes per second, request latency p50/p99, errors by probe\n' +
        'code, reconnects, and how many sensors would have raised "Sensor stopped communicating".\n' +
        'Progress: one line on stderr, rewritten on a terminal, every 5 s otherwise.\n' +
        '\nExit codes: 0 every sensor kept in contact, 1 some sensor stopped communicating, 2 invalid input or usage, 3 internal error.',
    )
    .action(async (o: LoadCommandOptions) => {
      if (o.json === '-' && o.html === '-') throw new AtpNetlabError('ATPNL_USAGE', '--json - and --html - would both write to stdout; give one a file');
      const loaded = await loadScenarioFile(scenarioPathFor(o.scenario));
      const pki = await LabPki.load(o.certs);
      const live = !!process.stderr.isTTY;
      let lastLineMs = -Infinity;
      const report = await runLoad({
        loaded,
        pki,
        engine: engineByName(o.engine ?? DEFAULT_ENGINE),
        sensors: Number(o.sensors),
        durationMs: parseDurationMs(o.duration),
        identity: o.identity,
        shape: {
          ...(o.heartbeatMs !== undefined ? { heartbeatMs: int('--heartbeat-ms', o.heartbeatMs)! } : {}),
          ...(o.uploadBytes !== undefined ? { uploadBytes: int('--upload-bytes', o.uploadBytes)! } : {}),
          ...(o.uploadEveryMs !== undefined ? { uploadEveryMs: int('--upload-every-ms', o.uploadEveryMs)! } : {}),
        },
        ...(o.rampMs !== undefined ? { rampMs: int('--ramp-ms', o.rampMs)! } : {}),
        ...(o.stoppedAfter !== undefined ? { stoppedAfterMs: parseDurationMs(o.stoppedAfter) } : {}),
        onProgress: (line, final) => {
          if (live) process.stderr.write(`\r\x1b[K${line}`);
          else if (final || performance.now() - lastLineMs >= 5_000) {
            lastLineMs = performance.now();
            process.stderr.write(line + '\n');
          }
        },
      });
      if (live) process.stderr.write('\r\x1b[K');
      // `-` is stdout for --json and --html; only one of them may take it, and then the text summary goes to stderr.
      if (o.json === '-') process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else if (o.html === '-') process.stdout.write(renderLoadHtml(report));
      (o.json === '-' || o.html === '-' ? process.stderr : process.stdout).write(o.json === '-' ? '' : renderLoadText(report));
      if (o.json && o.json !== '-') await writeFileReported(o.json, JSON.stringify(report, null, 2) + '\n');
      if (o.html && o.html !== '-') await writeFileReported(o.html, renderLoadHtml(report));
      setExit(report.summary.stoppedCommunicating ? 1 : 0);
    });
};

async function writeFileReported(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await fs.writeFile(file, text);
  process.stderr.write(`atp-netlab: wrote ${file}\n`);
}

export function renderLoadText(r: LoadReport): string {
  const s = r.summary;
  const errors = Object.entries(s.errorsByCode).map(([c, n]) => `${c} ${n}`).join(', ') || 'none';
  return [
    `Load: ${r.scenario} on ${r.engine}, ${s.sensors} sensors as ${r.identity} to ${r.target} for ${(s.durationMs / 1000).toFixed(1)} s`,
    `  connections established   ${s.connectionsEstablished}`,
    `  handshakes per second     ${s.handshakesPerSecond}`,
    `  requests                  ${s.requests} (latency p50 ${s.requestLatencyMs.p50 ?? '—'} ms, p99 ${s.requestLatencyMs.p99 ?? '—'} ms)`,
    `  errors by probe code      ${errors}`,
    `  reconnects                ${s.reconnects}`,
    `  stopped communicating     ${s.stoppedCommunicating} of ${s.sensors} (no contact for ${(s.stoppedCommunicatingThresholdMs / 1000).toFixed(0)} s)`,
    `  cloud saw                 ${r.cloud.distinctSensors} distinct enrolled sensors, ${r.cloud.requests} requests`,
    '',
  ].join('\n');
}
