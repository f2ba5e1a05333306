/**
 * `atp-netlab run [PATH...]`: every scenario in the in-process lab, then the reports.
 * Exit 0 = all expectations met, 1 = some not, 2 = invalid scenario or usage.
 */
import { positiveInt } from './int-option.js';
import fs from 'node:fs/promises';
import os from 'node:os';
import { Option } from 'commander';
import { AtpNetlabError } from '../../errors.js';
import { LabPki, defaultPkiDir } from '../../pki/index.js';
import { renderConsoleReport } from '../../report/console-report.js';
import { colourFor, columnsFor, truncate } from '../../report/terminal-text.js';
import { renderJsonReport } from '../../report/json-report.js';
import { renderHtmlReport } from '../../report/html-report.js';
import { renderJunitReport } from '../../report/junit-report.js';
import { renderMarkdownReport } from '../../report/markdown-report.js';
import type { RunReport } from '../../report/result-model.js';
import { findScenarioFiles, loadScenarioFile, type LoadedScenario, type LoadOptions } from '../../scenario/load-scenario.js';
import { runScenarios } from '../../scenario/run-scenario.js';
import { STDIN } from '../../input/read-input.js';
import { DEFAULT_ENGINE, ENGINES, engineByName } from '../../engines/index.js';
import type { RegisterCommand } from './index.js';
import { defaultScenarios } from '../default-scenarios.js';
import { scenarioPathFor } from '../scenario-by-name.js';

export interface RunCommandOptions {
  json?: boolean;
  junit?: string;
  html?: string;
  markdown?: string;
  concurrency?: number;
  verbose?: boolean;
  quiet?: boolean;
  certs?: string;
  engine?: string;
  requireAll?: boolean;
  allowRoot?: string[];
}

/** Extra report writers (HTML, Markdown) register here so `run` needs no change to gain them. */
export const EXTRA_REPORTERS: { option: keyof RunCommandOptions; render: (r: RunReport) => string }[] = [
  { option: 'html', render: renderHtmlReport },
  { option: 'markdown', render: renderMarkdownReport },
];

/** `--allow-root DIR` (repeatable): a folder scenario fixtures may live in besides the scenario's own. */
export const ALLOW_ROOT_HELP = "also let scenario fixtures (host.reg) come from this folder; by default only the scenario's own folder (repeatable)";

export function collectPath(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

export async function loadAll(paths: string[], opts: LoadOptions = {}): Promise<LoadedScenario[]> {
  const chosen = paths.length ? paths : [defaultScenarios().dir];
  // `-` is one scenario read from stdin (its fixtures resolve against the current folder).
  const files = (await Promise.all(chosen.map((p) => (p === STDIN ? [STDIN] : findScenarioFiles([scenarioPathFor(p)]))))).flat();
  if (!files.length) throw new AtpNetlabError('ATPNL_USAGE', `no scenario files (*.yaml) under ${chosen.join(', ')}`);
  const loaded: LoadedScenario[] = [];
  for (const f of files) loaded.push(await loadScenarioFile(f, opts));
  const names = new Map<string, string>();
  for (const l of loaded) {
    const prev = names.get(l.scenario.name);
    if (prev) throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', `scenario name "${l.scenario.name}" is also used by ${prev}`, { file: l.file, field: 'name' });
    names.set(l.scenario.name, l.file);
  }
  return loaded;
}

export const registerRun: RegisterCommand = (program, setExit) => {
  program
    .command('run')
    .description('run scenarios (files or folders; default ./scenarios, else the bundled ones) in the in-process lab and report per identity and host')
    .argument('[paths...]', 'scenario files or folders, or catalogue names (proxy-auth-required); - reads one scenario from stdin')
    .option('--json', 'write the JSON report (schema 1) to stdout instead of the table')
    .option('--junit <file>', 'write a JUnit XML report (- for stdout)')
    .option('--html <file>', 'write a self-contained HTML report (- for stdout)')
    .option('--markdown <file>', 'write a Markdown summary (e.g. for $GITHUB_STEP_SUMMARY; - for stdout)')
    .addOption(new Option('--concurrency <n>', 'scenarios run at once').argParser(positiveInt).default(os.availableParallelism(), 'CPU count'))
    .option('--certs <dir>', 'lab PKI cache directory (generated on first use; $ATP_NETLAB_CERTS overrides the default)', defaultPkiDir())
    .option('-v, --verbose', "print every scenario's table and every check's detail (default: one line per passing scenario, the table only for failures)")
    .option('-q, --quiet', 'print only the warnings, the failures and the summary line')
    .option('--engine <name>', `where the labs run: ${ENGINES.map((e) => e.name).join(', ')}`, DEFAULT_ENGINE)
    .option('--require-all', 'a skipped scenario (an engine or component it needs is missing) fails the run (for CI)')
    .option('--allow-root <dir>', ALLOW_ROOT_HELP, collectPath)
    .addHelpText('after', '\nExamples:\n  atp-netlab run                         # every scenario under ./scenarios (else the bundled ones)\n  atp-netlab run scenarios/proxy-auth-required.yaml --json\n  atp-netlab run proxy-auth-required     # a catalogue scenario by name, from any folder\n  atp-netlab run scenarios --junit out/junit.xml --markdown out/summary.md\n  atp-netlab run scenarios --junit - > junit.xml   # - is stdout (the table goes to stderr)\n  cat case.yaml | atp-netlab run -       # - reads one scenario from stdin\n  atp-netlab run scenarios --engine inproc --require-all   # CI: a skip fails\n  atp-netlab run customer/case.yaml --allow-root ~/exports   # host.reg files kept elsewhere\n  atp-netlab run --quiet                 # warnings, failures and the summary line only\n  FORCE_COLOR=1 atp-netlab run | less -R # colour through a pipe (NO_COLOR=1 turns it off)\n\nOutput: one line per passing scenario, the table for each failure, then the warnings (once each,\nwith the checks they were seen on), the failures again, and the summary; rows are cut to the\nterminal width (COLUMNS, or 100 when not a terminal). Progress goes to stderr on a terminal only.\n\nExit codes: 0 all expectations met (skipped scenarios are reported, not passed), 1 some not met (or, with --require-all, some skipped), 2 invalid input or usage, 3 internal error, 4 environment (permissions, disk full).')
    .action(async (paths: string[], opts: RunCommandOptions) => {
      const scenarios = await loadAll(paths, { allowRoots: opts.allowRoot ?? [] });
      const engine = engineByName(opts.engine ?? DEFAULT_ENGINE);
      // One engine asked for by name and not ready: say what to do, exit 2 (not N skipped scenarios).
      const missing = await engine.prerequisites();
      if (missing.length) throw new AtpNetlabError('ATPNL_USAGE', `engine ${engine.name} is not ready: ${missing.join('; ')}`);
      const pki = await LabPki.load(opts.certs);
      if (opts.verbose && opts.quiet) throw new AtpNetlabError('ATPNL_USAGE', '--verbose and --quiet cannot be used together');
      const toStdout = [...(opts.json ? ['--json'] : []), ...(['junit', ...EXTRA_REPORTERS.map((r) => r.option)] as const).filter((o) => opts[o] === STDIN).map((o) => `--${o} -`)];
      if (toStdout.length > 1) throw new AtpNetlabError('ATPNL_USAGE', `${toStdout.join(' and ')} would all write to stdout; give all but one a file`);
      // A report on stdout (`--junit -`) keeps stdout to itself: the console table goes to stderr.
      const consoleOut = toStdout.length && !opts.json ? process.stderr : process.stdout;
      const progress = progressLine(process.stderr);
      const bundled = !paths.length && defaultScenarios().bundled ? ` (the bundled ones, ${defaultScenarios().dir})` : '';
      progress.note(`atp-netlab: running ${scenarios.length} scenario(s)${bundled} on engine ${engine.name}, ${opts.concurrency} at a time`);
      const report = await runScenarios(scenarios, {
        pki,
        engine,
        concurrency: opts.concurrency,
        onEvent: (e) => {
          if (e.type !== 'scenario-end') return;
          const r = e.result;
          const failed = r.checks.filter((c) => !c.passed).length;
          const verdict = r.skipped ? `SKIP ${r.name}: ${r.skipReason}` : `${r.passed ? 'pass' : 'FAIL'} ${r.name} (${r.checks.length} checks${failed ? `, ${failed} not as expected` : ''}${r.error ? `, error: ${r.error}` : ''}, ${r.durationMs} ms)`;
          progress.update(`  [${String(e.index + 1).padStart(String(e.total).length)}/${e.total}] ${verdict}`);
        },
      });
      progress.done();
      if (opts.json) process.stdout.write(renderJsonReport(report));
      else consoleOut.write(renderConsoleReport(report, { color: colourFor(consoleOut), columns: columnsFor(consoleOut), verbose: opts.verbose, quiet: opts.quiet }));
      await writeReport(opts.junit, () => renderJunitReport(report));
      for (const r of EXTRA_REPORTERS) await writeReport(opts[r.option] as string | undefined, () => r.render(report));
      setExit(report.summary.failed || (opts.requireAll && report.summary.skipped) ? 1 : 0);
    });
};

/**
 * Progress on stderr. On a TTY one line, rewritten in place and cleared at the end (the report
 * follows on stdout). Elsewhere (a CI log) only the opening line: the report says the rest,
 * and a log that prints every scenario twice is one nobody reads.
 */
function progressLine(stream: NodeJS.WriteStream): { note(s: string): void; update(s: string): void; done(): void } {
  const live = !!stream.isTTY;
  let shown = false;
  return {
    note: (s) => void stream.write(s + '\n'),
    update: (s) => {
      if (!live) return;
      stream.write(`\r\x1b[K${truncate(s, columnsFor(stream) - 1)}`);
      shown = true;
    },
    done: () => {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}

async function writeReport(file: string | undefined, render: () => string): Promise<void> {
  if (!file) return;
  if (file === STDIN) {
    process.stdout.write(render());
    return;
  }
  const path = await import('node:path');
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await fs.writeFile(file, render());
  process.stderr.write(`atp-netlab: wrote ${file}\n`);
}

