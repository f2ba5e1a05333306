/**
 * `atp-netlab triage FILE...`: known signatures in sensor, deployer, updater and installer logs,
 * and the unknown errors summarised. Exit 0 no finding, 1 findings, 2 bad input.
 */
import { InvalidArgumentError } from 'commander';
import { renderTriageText, triageFiles, writeScenarios, DEFAULT_MAX_BYTES, DEFAULT_MAX_LINE_CHARS } from '../../triage/index.js';
import type { RegisterCommand } from './index.js';

const positiveInt = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got "${v}"`);
  return Number(v);
};

export const registerTriage: RegisterCommand = (program, setExit) => {
  program
    .command('triage')
    .description('find known failure signatures in sensor, deployer, updater and installer logs')
    .argument('<files...>', 'log files, or folders holding *.log / *.txt files; - reads one log from stdin')
    .option('--json', 'print the triage report as JSON (schema in docs/triage.md)')
    .option('--scenario-out <dir>', 'copy the scenario that reproduces each finding into DIR (never overwrites)')
    .option('--max-mib <n>', `read at most N MiB of each file (default ${DEFAULT_MAX_BYTES / 1024 / 1024}); the rest is reported as truncated`, positiveInt('--max-mib'))
    .option('--max-line <chars>', `cut lines longer than this (default ${DEFAULT_MAX_LINE_CHARS})`, positiveInt('--max-line'))
    .addHelpText(
      'after',
      [
        '',
        'Logs: C:\\Program Files\\Azure Advanced Threat Protection Sensor\\<version>\\Logs (Microsoft.Tri.Sensor*.log,',
        'Microsoft.Tri.Sensor.Updater.log, Microsoft.Tri.Sensor.Deployment.Deployer.log) and the installer logs in',
        'the installing user\'s %temp%.',
        '',
        'Exit codes: 0 no known signature, 1 at least one, 2 bad input.',
        '',
        'Examples:',
        '  atp-netlab triage Logs/',
        '  atp-netlab triage Microsoft.Tri.Sensor.Deployment.Deployer.log --json',
        '  ssh dc01 type Logs\\Microsoft.Tri.Sensor.log | atp-netlab triage -   # - reads stdin',
        '  atp-netlab triage Logs/ --scenario-out ./repro && atp-netlab run ./repro',
      ].join('\n'),
    )
    .action(async (files: string[], opts: { json?: boolean; scenarioOut?: string; maxMib?: number; maxLine?: number }) => {
      const report = await triageFiles(files, {
        ...(opts.maxMib ? { maxBytes: opts.maxMib * 1024 * 1024 } : {}),
        ...(opts.maxLine ? { maxLineChars: opts.maxLine } : {}),
      });
      const scenarios = opts.scenarioOut ? await writeScenarios(report, opts.scenarioOut) : undefined;
      if (opts.json) {
        process.stdout.write(JSON.stringify(scenarios ? { ...report, scenarioOut: scenarios } : report, null, 2) + '\n');
      } else {
        process.stdout.write(renderTriageText(report));
        for (const s of scenarios ?? []) process.stdout.write(s.written ? `wrote ${s.written} (${s.signature})\n` : `skipped ${s.signature}: ${s.skipped}\n`);
      }
      setExit(report.findings.length > 0 ? 1 : 0);
    });
};
