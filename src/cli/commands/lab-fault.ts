/**
 * `atp-netlab lab fault add|remove|list --control SOCK`: change the faults of a running
 * `lab up` through its control socket (lab-control.ts), as toxiproxy's CLI does its toxics.
 * A fault is written as in a scenario's `faults:`, as a YAML flow mapping:
 *   atp-netlab lab fault add --control /tmp/…/control.sock '{ type: latency, link: proxy->cloud, latencyMs: 300 }'
 * Changes apply to connections opened after them.
 */
import { parse } from 'yaml';
import { AtpNetlabError } from '../../errors.js';
import { explainFault, faultName, type PlannedFault } from '../../lab/faults/index.js';
import type { RegisterCommand } from './index.js';
import { sendControl, type ControlAnswer, type ControlRequest } from './lab-control.js';

/** `lab up` exports nothing to other shells; this variable saves repeating --control. */
export const CONTROL_ENV = 'ATP_NETLAB_LAB_CONTROL';

function controlPath(o: { control?: string }): string {
  const p = o.control ?? process.env[CONTROL_ENV];
  if (!p) throw new AtpNetlabError('ATPNL_USAGE', `which lab? pass --control <socket> (lab up prints it) or set ${CONTROL_ENV}`);
  return p;
}

export function describeFaults(faults: readonly PlannedFault[]): string {
  if (!faults.length) return 'no faults on this lab\n';
  return faults.map((f) => `${faultName(f)}: ${explainFault(f)}`).join('\n') + '\n';
}

async function call(o: { control?: string; json?: boolean }, req: ControlRequest): Promise<void> {
  const a: ControlAnswer = await sendControl(controlPath(o), req);
  if (!a.ok) throw new AtpNetlabError('ATPNL_USAGE', a.error);
  if (o.json) process.stdout.write(JSON.stringify(a.faults, null, 2) + '\n');
  else {
    if (a.changed) process.stdout.write(`${req.op === 'add' ? 'added' : 'removed'} ${faultName(a.changed)}\n`);
    process.stdout.write(describeFaults(a.faults));
  }
}

export const registerLabFault: RegisterCommand = (program) => {
  const lab = program.commands.find((c) => c.name() === 'lab') ?? program.command('lab').description("work with a scenario's lab outside a run");
  const fault = lab
    .command('fault')
    .description('change the faults on the links of a running `lab up` (its control socket)')
    .addHelpText('after', "\nExamples:\n  atp-netlab lab fault list --control SOCK\n  atp-netlab lab fault add --control SOCK '{ type: reset_after_client_hello, link: proxy->cloud }'\n  atp-netlab lab fault remove --control SOCK NAME");
  const common = (c: ReturnType<typeof fault.command>) =>
    c.option('--control <socket>', `the lab's control socket, as \`lab up\` prints it (or $${CONTROL_ENV})`).option('--json', 'print the faults as JSON');
  common(fault.command('list').description('the faults on the lab now').addHelpText('after', '\nExample:\n  atp-netlab lab fault list --control SOCK --json')).action((o: { control?: string; json?: boolean }) => call(o, { op: 'list' }));
  common(fault.command('add <fault>').description("add a fault, written as in a scenario's faults: (a YAML flow mapping)"))
    .addHelpText('after', "\nExample:\n  atp-netlab lab fault add --control SOCK '{ type: reset_after_client_hello, link: proxy->cloud }'")
    .action((text: string, o: { control?: string; json?: boolean }) => {
      let def: unknown;
      try {
        def = parse(text);
      } catch (e) {
        throw new AtpNetlabError('ATPNL_USAGE', `the fault is not YAML: ${(e as Error).message}`);
      }
      return call(o, { op: 'add', fault: def });
    });
  common(fault.command('remove <name>').description('remove a fault by name (lab fault list shows them)').addHelpText('after', '\nExample:\n  atp-netlab lab fault remove --control SOCK NAME   # NAME as lab fault list prints it')).action((name: string, o: { control?: string; json?: boolean }) => call(o, { op: 'remove', name }));
};
