/**
 * `atp-netlab scenario from-reg`: turn a customer's registry exports into a scenario that
 * reproduces their host, optionally run it and record what it shows.
 * Exit 0 = written (a reproduced failure is a success of this command: `run` judges it
 * later), 2 = invalid input or usage.
 */
import path from 'node:path';
import { parseRegion } from '../../catalog/index.js';
import { AtpNetlabError } from '../../errors.js';
import { LabPki, defaultPkiDir } from '../../pki/index.js';
import {
  writeScenarioFromReg,
  type ExportRole,
  type FromRegOptions,
  type InspectionOption,
  type ProxyAuthOption,
  type WrittenScenario,
} from '../../scenario/from-reg.js';
import type { RegisterCommand } from './index.js';

export interface ScenarioFromRegCommandOptions {
  hkcu?: string;
  localservice?: string;
  localsystem?: string;
  winhttp?: string;
  proxyAllow?: string;
  proxyAuth?: string;
  inspection?: string;
  direct?: string;
  workspace?: string;
  region?: string;
  out: string;
  run?: boolean;
  force?: boolean;
  certs?: string;
}

export interface ScenarioFromRegCommandOutput {
  exitCode: 0;
  stdout: string;
  written: WrittenScenario;
}

const AUTH: ProxyAuthOption[] = ['none', 'basic', '401', '403'];
const INSPECTION: InspectionOption[] = ['intercept', 'intercept-mutual', 'splice'];

function usage(message: string, field?: string): AtpNetlabError {
  return new AtpNetlabError('ATPNL_USAGE', message, field ? { field } : {});
}

export function fromRegOptionsFromCli(o: ScenarioFromRegCommandOptions): FromRegOptions {
  if (!o.out) throw usage('--out FILE is required (e.g. --out scenarios/customer-x.yaml)', 'out');
  if (o.out === '-') throw usage('--out -: the scenario names the .reg files it extracts, written next to it, so it needs a file path, not stdout', 'out');
  if (!/\.ya?ml$/i.test(o.out)) throw usage(`--out ${o.out}: a scenario file ends in .yaml`, 'out');
  if (o.proxyAuth !== undefined && !AUTH.includes(o.proxyAuth as ProxyAuthOption)) throw usage(`--proxy-auth ${o.proxyAuth}: expected one of ${AUTH.join(', ')}`, 'proxy-auth');
  if (o.inspection !== undefined && !INSPECTION.includes(o.inspection as InspectionOption)) throw usage(`--inspection ${o.inspection}: expected one of ${INSPECTION.join(', ')}`, 'inspection');
  if (o.direct !== undefined && o.direct !== 'allow' && o.direct !== 'drop') throw usage(`--direct ${o.direct}: expected allow or drop`, 'direct');
  const allow = o.proxyAllow?.split(',').map((s) => s.trim()).filter(Boolean);
  if (o.proxyAllow !== undefined && !allow?.length) throw usage('--proxy-allow is empty (e.g. --proxy-allow "*.atp.azure.com")', 'proxy-allow');
  const exports: Partial<Record<ExportRole, string>> = {
    ...(o.hkcu !== undefined ? { hkcu: o.hkcu } : {}),
    ...(o.localservice !== undefined ? { localservice: o.localservice } : {}),
    ...(o.localsystem !== undefined ? { localsystem: o.localsystem } : {}),
    ...(o.winhttp !== undefined ? { winhttp: o.winhttp } : {}),
  };
  return {
    exports,
    out: o.out,
    ...(allow?.length ? { proxyAllow: allow } : {}),
    ...(o.proxyAuth !== undefined ? { proxyAuth: o.proxyAuth as ProxyAuthOption } : {}),
    ...(o.inspection !== undefined ? { inspection: o.inspection as InspectionOption } : {}),
    ...(o.direct !== undefined ? { direct: o.direct as 'allow' | 'drop' } : {}),
    ...(o.workspace !== undefined ? { workspace: o.workspace } : {}),
    ...(o.region !== undefined ? { region: parseRegion(o.region) } : {}),
  };
}

export async function scenarioFromRegCommand(o: ScenarioFromRegCommandOptions): Promise<ScenarioFromRegCommandOutput> {
  const opts = fromRegOptionsFromCli(o);
  const pki = o.run ? await LabPki.load(o.certs ?? defaultPkiDir()) : undefined;
  const written = await writeScenarioFromReg(opts, { ...(o.run ? { run: true } : {}), ...(pki ? { pki } : {}), ...(o.force ? { force: true } : {}) });
  const lines: string[] = [];
  lines.push(`Wrote ${written.files.join(', ')}`);
  lines.push('');
  lines.push('The host, as its exports say:');
  for (const i of written.identities) lines.push(`  ${i}`);
  if (written.notes.length) {
    lines.push('');
    lines.push('Notes:');
    for (const n of written.notes) lines.push(`  - ${n}`);
  }
  if (written.result) {
    lines.push('');
    lines.push('Diagnosis (the lab run of the new scenario; recorded as its expectations, marked "observed on generation; review"):');
    for (const c of written.result.checks) {
      const ob = c.observed;
      lines.push(`  ${c.identity.padEnd(12)}  ${c.host}  ${ob.reachable ? 'reachable (OK)' : `UNREACHABLE at ${ob.step}: ${ob.code}`}  via ${ob.route}${ob.routeSource ? ` (${ob.routeSource})` : ''}`);
      lines.push(`      ${ob.detail}`);
    }
  } else {
    lines.push('');
    lines.push(`Run it: atp-netlab run ${path.normalize(o.out)}   (its expectation is the goal: every identity reaches every host)`);
  }
  return { exitCode: 0, stdout: lines.join('\n') + '\n', written };
}

export const registerScenarioFromReg: RegisterCommand = (program, setExit) => {
  // Other `scenario` subcommands may register the parent too: share it.
  const scenario = program.commands.find((c) => c.name() === 'scenario') ?? program
      .command('scenario')
      .description('create and inspect scenario files')
      .addHelpText('after', '\nExamples:\n  atp-netlab scenario from-reg --hkcu hkcu.reg --localservice ls.reg --out scenarios/customer-x.yaml\n  atp-netlab scenario from-reg --help   # every option, and what is inferred from the exports');
  scenario
    .command('from-reg')
    .description("write a scenario reproducing a customer's host from its .reg exports (values byte-exact)")
    .option('--hkcu <file>', "the administrator's export (HKCU ...\\Internet Settings\\Connections, or a full-hive export)")
    .option('--localservice <file>', "LocalService's export (HKU\\S-1-5-19), the sensor service")
    .option('--localsystem <file>', "LocalSystem's export (HKU\\S-1-5-18), the updater service")
    .option('--winhttp <file>', 'HKLM export holding WinHttpSettings (netsh winhttp)')
    .option('--proxy-allow <patterns>', 'the proxy allowlist, comma-separated (e.g. "*.atp.azure.com"); default: everything')
    .option('--proxy-auth <mode>', 'proxy authentication: none, basic (407), 401 or 403 (misreported challenges)')
    .option('--inspection <mode>', 'SSL inspection between proxy and cloud: intercept, intercept-mutual, splice')
    .option('--direct <allow|drop>', 'direct egress (default: drop when a proxy is found, else allow)')
    .option('--workspace <name>', 'workspace name (default contosoATP)')
    .option('--region <region>', 'also check the regional hosts of us, europe, asia, uk, us-gcc-high')
    .requiredOption('--out <file>', 'scenario file to write; the extracted .reg files go next to it')
    .option('--run', 'run the new scenario, print the diagnosis and record it as the expectations')
    .option('--force', 'overwrite existing files')
    .option('--certs <dir>', 'lab PKI cache directory (with --run)', defaultPkiDir())
    .addHelpText(
      'after',
      '\nExample:\n  atp-netlab scenario from-reg --hkcu hkcu.reg --localservice ls.reg --localsystem sys.reg \\\n' +
        '      --proxy-allow "*.atp.azure.com" --out scenarios/customer-x.yaml --run\n' +
        '\nExit codes: 0 written, 2 invalid input or usage.',
    )
    .action(async (o: ScenarioFromRegCommandOptions) => {
      const out = await scenarioFromRegCommand(o);
      process.stdout.write(out.stdout);
      setExit(out.exitCode);
    });
};
