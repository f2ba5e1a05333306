/**
 * `atp-netlab lab export --scenario FILE --compose FILE|-`: the scenario's lab as a Compose
 * file (engines/docker/compose-export.ts) and its support files, for a lab run by hand or on
 * another Docker host. Needs no daemon: the image tags are content hashes of this machine's files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AtpNetlabError } from '../../errors.js';
import { COMPOSE_PROJECT_NAME, composeUnsupported, defaultSubnetPrefix, exportCompose, parseSubnet } from '../../engines/docker/compose-export.js';
import { dockerEngine } from '../../engines/docker/docker-engine.js';
import { labImageTag } from '../../engines/docker/lab-image.js';
import { mitmproxyImageTag } from '../../engines/docker/mitmproxy-image.js';
import { squidImageTag } from '../../engines/docker/squid-image.js';
import { defaultPkiDir, LabPki } from '../../pki/index.js';
import { compileScenario } from '../../scenario/compile-plan.js';
import { loadScenarioFile } from '../../scenario/load-scenario.js';
import type { RegisterCommand } from './index.js';
import { ALLOW_ROOT_HELP, collectPath } from './run.js';

interface LabExportOptions {
  scenario: string;
  compose: string;
  dir?: string;
  subnet?: string;
  project?: string;
  certs: string;
  allowRoot?: string[];
}

async function labExport(o: LabExportOptions): Promise<void> {
  const loaded = await loadScenarioFile(o.scenario, { allowRoots: o.allowRoot ?? [] });
  const name = loaded.scenario.name;
  const { plan } = await compileScenario(loaded);
  const why = composeUnsupported(plan, (p) => dockerEngine.unsupported(p));
  if (why) throw new AtpNetlabError('ATPNL_USAGE', `lab export: scenario ${name} cannot be exported: ${why}`);
  const prefix = o.subnet !== undefined ? parseSubnet(o.subnet) : defaultSubnetPrefix(name);
  if (o.project !== undefined && !COMPOSE_PROJECT_NAME.test(o.project)) {
    throw new AtpNetlabError('ATPNL_USAGE', `lab export: --project ${JSON.stringify(o.project)}: a Compose project name is lowercase letters, digits, - and _, starting with a letter or digit (at most 63)`);
  }
  const toStdout = o.compose === '-';
  const dir = path.resolve(o.dir ?? (toStdout ? `${name}-lab-files` : path.join(path.dirname(o.compose), `${path.basename(o.compose).replace(/\.ya?ml$/i, '')}-files`)));
  const pki = await LabPki.load(o.certs);
  const { yaml } = await exportCompose({
    plan,
    pki,
    scenarioName: name,
    ...(o.project !== undefined ? { project: o.project } : {}),
    dir,
    subnetPrefix: prefix,
    labImage: labImageTag(),
    ...(plan.components.some((c) => c.type === 'squid') ? { squidImage: squidImageTag() } : {}),
    ...(plan.components.some((c) => c.type === 'mitmproxy') ? { mitmproxyImage: mitmproxyImageTag() } : {}),
  });
  if (toStdout) process.stdout.write(yaml);
  else fs.writeFileSync(o.compose, yaml);
  process.stderr.write(`lab export: ${toStdout ? 'Compose file on stdout' : o.compose}; support files in ${dir}; network ${prefix}.0/24 (internal)\n`);
  process.stderr.write('lab export: build the images first (atp-netlab images build); the host firewall command is in x-atp-netlab.firewall\n');
}

export const registerLabExport: RegisterCommand = (program) => {
  const lab = program.commands.find((c) => c.name() === 'lab') ?? program.command('lab').description("work with a scenario's lab outside a run");
  lab
    .command('export')
    .description("write a scenario's lab as a docker-compose file (internal network, static addresses, lab DNS, the host probe service) and its support files")
    .requiredOption('--scenario <file>', 'scenario file (YAML)')
    .requiredOption('--compose <file>', 'the Compose file to write (- for stdout)')
    .option('--dir <folder>', 'support files (specs, hosts, host files, Squid folders); default <compose file>-files/, or ./<scenario>-lab-files/ with -')
    .option('--subnet <A.B.C.0/24>', 'the lab network (a private /24; default a stable one of 10.213.0.0/16 per scenario)')
    .option('--project <name>', 'the Compose project and network name (default atpnl-<scenario>; give another to run a second copy beside the first)')
    .option('--certs <dir>', 'lab PKI cache directory (mounted, not copied)', defaultPkiDir())
    .option('--allow-root <dir>', ALLOW_ROOT_HELP, collectPath)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  atp-netlab lab export --scenario scenarios/proxy-allowlist-ok.yaml --compose lab.yaml',
        '  atp-netlab lab export --scenario scenarios/twins/squid-allowlist-ok.yaml --compose - --dir /tmp/squid-lab > compose.yaml',
        '  atp-netlab lab export --scenario scenarios/direct-blocked.yaml --compose lab.yaml --subnet 10.213.42.0/24',
        '  atp-netlab lab export --scenario scenarios/direct-blocked.yaml --compose lab2.yaml --project atpnl-second --subnet 10.213.43.0/24',
        '  (then: atp-netlab images build; docker compose -f lab.yaml up -d; the x-atp-netlab section says how to probe)',
        '',
        'Exit codes: 0 written, 2 bad input or a scenario the docker engine cannot run (the line says why).',
      ].join('\n'),
    )
    .action(labExport);
};
