/**
 * `atp-netlab plan FILE [--json]`: the lab plan a scenario compiles into, as an engine gets
 * it (components with their kinds and slots, the DNS table, firewall rules, diversions, the
 * Windows host's hives, the checks). For debugging a scenario and for other engines.
 * Proxy credentials are shown as `***`.
 */
import { explainNetworkPlan } from '../../lab/lab-plan.js';
import { compileScenario, redactPlan } from '../../scenario/compile-plan.js';
import { loadScenarioFile } from '../../scenario/load-scenario.js';
import { scenarioPathFor } from '../scenario-by-name.js';
import type { RegisterCommand } from './index.js';

export const registerPlan: RegisterCommand = (program) => {
  program
    .command('plan')
    .description('print the lab plan a scenario compiles into (what an engine runs)')
    .argument('<file>', 'scenario file (YAML)')
    .option('--json', 'the whole plan as JSON (schema 1)')
    .addHelpText('after', '\nExamples:\n  atp-netlab plan scenarios/transparent-proxy.yaml          # in words, then the checks\n  atp-netlab plan scenarios/transparent-proxy.yaml --json   # the serializable plan\n\nExit codes: 0 printed, 2 invalid scenario.')
    .action(async (file: string, o: { json?: boolean }) => {
      const { plan, expectations } = await compileScenario(await loadScenarioFile(scenarioPathFor(file)));
      if (o.json) {
        process.stdout.write(JSON.stringify(redactPlan(plan), null, 2) + '\n');
        return;
      }
      const lines = [`Plan "${plan.name}" (${file})`, '', explainNetworkPlan(plan), '', 'Components (slot, kind, planned port):'];
      for (const c of plan.components) lines.push(`  ${String(c.slot).padStart(3)}  ${c.name}  ${c.type}  :${c.port}  (${c.role})`);
      lines.push('', `DNS: ${plan.dns.length} name(s); firewall default ${plan.firewall.default}, ${plan.firewall.rules.length} rule(s); ${plan.diversions.length} diversion(s)`);
      if (plan.host.steps.length) lines.push(`Host steps: ${plan.host.steps.join('; ')}`);
      lines.push('', `Checks (${plan.checks.length}):`);
      plan.checks.forEach((c, i) => {
        const e = expectations[i]!;
        lines.push(`  ${c.identity} ${c.host} (${c.check}) → expect ${e.reachable ? 'reachable' : `unreachable${e.code ? ` ${e.step ?? ''}/${e.code}` : ''}`}`);
      });
      process.stdout.write(lines.join('\n') + '\n');
    });
};
