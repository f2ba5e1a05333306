/**
 * The console report a person reads to the end, like vitest's:
 *
 *   default    one line per passing (or skipped) scenario; the full table only for a scenario
 *              that failed; then the warnings, grouped across checks (printed once, with where
 *              they were seen), the failures again, one line per check, and the summary line
 *   verbose    every scenario's table, steps and details, then the same ending
 *   quiet      the ending only (warnings, failures, summary)
 *
 * Every line fits `columns`: table rows and one-line summaries are cut with an ellipsis;
 * prose (a fix, a detail, a warning) is broken at spaces inside the width, because a cut
 * fix is no fix. The terminal never wraps anything.
 * A success through SSL inspection is a warning: it works in the lab, and Microsoft does not
 * support it. Colour is decided by the caller (terminal-text.ts `colourFor`).
 */
import { scenarioMatrix } from './matrix-table.js';
import type { CheckResult, RunReport, ScenarioResult } from './result-model.js';
import { shortExpected, shortObserved } from './describe-check.js';
import { describeWhere, groupWarnings } from './group-warnings.js';
import { REMEDIATIONS, remediationForCheck } from './remediation.js';
import { fitColumns, padEnd, painter, truncate, visibleLength, wrapProse, type Paint, type Style } from './terminal-text.js';

export interface ConsoleOptions {
  color: boolean;
  /** Print every scenario's table and every check's detail. */
  verbose?: boolean;
  /** Print only the warnings, the failures and the summary line. */
  quiet?: boolean;
  /** Width to fit (default 100). */
  columns?: number;
}

export function renderConsoleReport(report: RunReport, opts: ConsoleOptions): string {
  const paint = painter(opts.color);
  const columns = opts.columns ?? 100;
  const fit = (l: string) => truncate(l, columns);
  const lines: string[] = [];
  if (!opts.quiet) {
    for (const s of report.scenarios) {
      const full = opts.verbose || (!s.passed && !s.skipped);
      lines.push(...(full ? renderScenario(s, paint, columns, !!opts.verbose) : [fit(scenarioLine(s, paint)), ...matrixLines(s, paint, fit)]));
      if (full) lines.push('');
    }
    if (lines.at(-1) !== '') lines.push('');
  }
  const warnings = renderWarnings(report, paint, columns);
  if (warnings.length) lines.push(...warnings, '');
  const failures = renderFailures(report, paint).map(fit);
  if (failures.length) lines.push(...failures, '');
  lines.push(summaryLine(report, paint));
  return lines.join('\n') + '\n';
}

export function isWarning(c: CheckResult): boolean {
  return c.observed.reachable && c.observed.inspected;
}

/** The warnings of one check, as the one-line texts grouped across checks. */
export function checkWarnings(c: CheckResult): string[] {
  if (!c.passed) return [];
  const out: string[] = [];
  if (isWarning(c)) out.push(`reachable only through SSL inspection (${c.observed.issuer ?? 'unknown issuer'}); Microsoft does not support inspecting sensor traffic`);
  // Other warnings (e.g. unreachable revocation hosts) do not fail a check but must be seen.
  for (const w of c.observed.warnings ?? []) if (!w.startsWith('inspected')) out.push(w);
  // A pass through a component the lab only inferred is not a verified pass.
  if (c.expected.confirm) out.push(c.expected.confirm);
  return out;
}

function scenarioLine(s: ScenarioResult, paint: Paint): string {
  if (s.skipped) return `${paint('yellow', 'SKIP')} ${paint('bold', s.name)} ${paint('dim', `(${s.file})`)}: ${s.skipReason ?? ''}`;
  const failed = s.checks.filter((c) => !c.passed).length;
  const warned = s.checks.filter((c) => checkWarnings(c).length).length;
  const facts = [
    `${s.checks.length} check${s.checks.length === 1 ? '' : 's'}`,
    ...(failed ? [paint('red', `${failed} not as expected`)] : []),
    ...(warned ? [paint('yellow', `${warned} with warnings`)] : []),
    `${s.durationMs} ms`,
  ];
  return `${s.passed ? paint('green', 'PASS') : paint('red', 'FAIL')} ${paint('bold', s.name)} ${paint('dim', '(')}${facts.join(paint('dim', ', '))}${paint('dim', ')')}`;
}

function renderScenario(s: ScenarioResult, paint: Paint, columns: number, verbose: boolean): string[] {
  // Prose under a row: wrapped inside the width, never cut. A label (`fix: `) is painted in
  // the style; prose without one is painted whole.
  const prose = (indent: string, style: Style, label: string, text: string) =>
    wrapProse(`${indent}${label}${text}`, columns).map((l, i) => (!label ? paint(style, l) : i === 0 ? l.replace(label.trimEnd(), paint(style, label.trimEnd())) : l));
  const fit = (l: string) => truncate(l, columns);
  const out = [fit(`${scenarioLine(s, paint)} ${paint('dim', s.file)}`)];
  if (s.skipped) return out;
  if (s.error) {
    out.push(...prose('  ', 'red', 'error: ', s.error));
    return out;
  }
  for (const step of s.steps ?? []) out.push(...prose('  ', 'dim', '', `step: ${step}`));
  const cells = s.checks.map((c) => [
    c.passed ? (isWarning(c) ? paint('yellow', 'warn') : paint('green', ' ok ')) : paint('red', 'FAIL'),
    c.identity,
    `${c.host}${c.check === 'ping' ? ' [ping]' : ''}${c.method ? ` [${c.method}]` : ''}${c.attempt ? ` [attempt ${c.attempt}]` : ''}`,
    shortExpected(c),
    shortObserved(c),
    `${c.observed.route}${c.observed.routeSource ? ` (${c.observed.routeSource})` : ''}`,
  ]);
  const header = ['', 'identity', 'host', 'expected', 'observed', 'route'];
  const natural = header.map((h, i) => Math.max(h.length, ...cells.map((r) => visibleLength(r[i]!))));
  // Two leading spaces, two between columns; the status column never shrinks.
  const [statusWidth, ...rest] = natural;
  // Shrink the host and route first; identity and the outcomes keep enough to be read.
  const widths = [statusWidth!, ...fitColumns(rest, columns - 2 - statusWidth! - 2, 2, [12, 12, 20, 20, 10])];
  const fmt = (r: string[]) => fit(('  ' + r.map((cell, i) => padEnd(truncate(cell, widths[i]!), widths[i]!)).join('  ')).trimEnd());
  out.push(paint('dim', fmt(header)));
  for (const [i, r] of cells.entries()) {
    out.push(fmt(r));
    const c = s.checks[i]!;
    if (!c.passed) {
      out.push(...prose('      ', 'red', '', c.mismatches.join('; ')));
      out.push(...prose('      ', 'dim', '', c.observed.detail));
    }
    if (verbose) for (const w of checkWarnings(c)) out.push(...prose('      ', 'yellow', 'warning: ', w));
    if (c.passed && verbose) out.push(...prose('      ', 'dim', '', c.observed.detail));
    // The fix for what was observed, from the one remediation table (HTML and Markdown say the same).
    const fix = !c.passed || (verbose && isWarning(c)) ? remediationForCheck(c) : undefined;
    if (fix) out.push(...prose('      ', fix.severity === 'warning' ? 'yellow' : 'bold', 'fix: ', fix.fix));
  }
  out.push(...matrixLines(s, paint, fit));
  return out;
}

/** Checks with a proxy method, again as the matrix a support engineer asks a customer for (shown for passing scenarios too). */
function matrixLines(s: ScenarioResult, paint: Paint, fit: (l: string) => string): string[] {
  const matrix = scenarioMatrix(s.checks);
  // Not cut to the terminal width: a cut matrix loses its last columns.
  return matrix ? [fit(paint('dim', '  proxy-method matrix (- = not configured):')), ...matrix.map((l) => `    ${l}`)] : [];
}

/** Each distinct warning once, with the checks it was seen on, and its fix. */
function renderWarnings(report: RunReport, paint: Paint, columns: number): string[] {
  const wrap = (indent: string, label: string, text: string) => wrapProse(`${indent}${label} ${text}`, columns).map((l, i) => (i ? l : l.replace(label, paint('yellow', label))));
  const items = report.scenarios.flatMap((s) => s.checks.flatMap((c) => checkWarnings(c).map((warning) => ({ warning, where: `${c.identity} ${c.host}`, c }))));
  const groups = groupWarnings(items);
  if (!groups.length) return [];
  const out = [paint('bold', `Warnings (${groups.length}, each printed once):`)];
  for (const g of groups) {
    const c = items.find((i) => i.warning === g.warning)!.c;
    out.push(...wrap('  ', 'warn', g.warning));
    out.push(truncate(paint('dim', `       on ${describeWhere(g.where, 'check')}`), columns));
    const fix = isWarning(c) && g.warning.startsWith('reachable only through SSL inspection') ? remediationForCheck(c)?.fix : g.warning.startsWith('revocation data unreachable') ? REMEDIATIONS.TLS_REVOCATION_UNREACHABLE.fix : undefined;
    if (fix) out.push(...wrap('       ', 'fix:', fix));
  }
  return out;
}

/** The failures again, one line per check not as expected (and one per scenario that could not run). */
function renderFailures(report: RunReport, paint: Paint): string[] {
  const failed = report.scenarios.filter((s) => !s.passed && !s.skipped);
  if (!failed.length) return [];
  const out = [paint('bold', paint('red', `Failures (${failed.length} scenario${failed.length === 1 ? '' : 's'}):`))];
  const idWidth = Math.max(0, ...failed.flatMap((s) => s.checks.filter((x) => !x.passed).map((x) => x.identity.length)));
  for (const s of failed) {
    out.push(`  ${paint('red', 'FAIL')} ${paint('bold', s.name)} ${paint('dim', s.file)}`);
    if (s.error) out.push(`       ${paint('red', 'could not run:')} ${s.error}`);
    for (const c of s.checks.filter((x) => !x.passed)) {
      // The host last: on a narrow terminal it is what gets cut.
      out.push(`       ${padEnd(c.identity, idWidth)}  expected ${shortExpected(c)}  observed ${paint('red', shortObserved(c))}  ${c.host}${c.check === 'ping' ? ' [ping]' : ''}${c.method ? ` [${c.method}]` : ''}${c.attempt ? ` [attempt ${c.attempt}]` : ''}`);
    }
  }
  return out;
}

function summaryLine(report: RunReport, paint: Paint): string {
  const { scenarios, passed, failed, skipped } = report.summary;
  const warned = report.scenarios.flatMap((s) => s.checks).filter(isWarning).length;
  return (
    `${paint('bold', 'Summary:')} ${scenarios} scenario(s), ${paint(passed === scenarios ? 'green' : 'dim', `${passed} passed`)}, ${paint(failed ? 'red' : 'dim', `${failed} failed`)}${skipped ? `, ${paint('yellow', `${skipped} skipped (not passed)`)}` : ''}` +
    `${warned ? `, ${paint('yellow', `${warned} check(s) reachable only through SSL inspection (unsupported)`)}` : ''} in ${report.durationMs} ms`
  );
}
