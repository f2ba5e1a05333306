/**
 * The console table a person reads: scenario, identity, host, expected, observed, route.
 * Colour only on a TTY (and never with NO_COLOR). A success through SSL inspection is
 * marked as a warning: it works in the lab, and Microsoft does not support it.
 */
import type { CheckResult, RunReport, ScenarioResult } from './result-model.js';
import { describeExpected, describeObserved } from './describe-check.js';
import { remediationForCheck } from './remediation.js';

export interface ConsoleOptions {
  color: boolean;
  /** Show every check, not only the failed and warned ones. */
  verbose?: boolean;
}

const codes = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;

export function renderConsoleReport(report: RunReport, opts: ConsoleOptions): string {
  const paint = (c: keyof typeof codes, s: string) => (opts.color ? `\x1b[${codes[c]}m${s}\x1b[0m` : s);
  const lines: string[] = [];
  for (const s of report.scenarios) {
    lines.push(...renderScenario(s, paint, opts.verbose));
    lines.push('');
  }
  const { scenarios, passed, failed, skipped } = report.summary;
  const warned = report.scenarios.flatMap((s) => s.checks).filter(isWarning).length;
  lines.push(
    `${paint('bold', 'Summary:')} ${scenarios} scenario(s), ${paint(passed === scenarios ? 'green' : 'dim', `${passed} passed`)}, ${paint(failed ? 'red' : 'dim', `${failed} failed`)}${skipped ? `, ${paint('yellow', `${skipped} skipped (not passed)`)}` : ''}` +
      `${warned ? `, ${paint('yellow', `${warned} check(s) reachable only through SSL inspection (unsupported)`)}` : ''} in ${report.durationMs} ms`,
  );
  return lines.join('\n') + '\n';
}

export function isWarning(c: CheckResult): boolean {
  return c.observed.reachable && c.observed.inspected;
}

function renderScenario(s: ScenarioResult, paint: (c: keyof typeof codes, s: string) => string, verbose = false): string[] {
  if (s.skipped) return [`${paint('yellow', 'SKIP')} ${paint('bold', s.name)} ${paint('dim', `(${s.file})`)}: ${s.skipReason ?? ''}`];
  const head = `${s.passed ? paint('green', 'PASS') : paint('red', 'FAIL')} ${paint('bold', s.name)} ${paint('dim', `(${s.file}, ${s.durationMs} ms)`)}`;
  const out = [head];
  if (s.error) {
    out.push(`  ${paint('red', 'error:')} ${s.error}`);
    return out;
  }
  for (const step of s.steps ?? []) out.push(paint('dim', `  step: ${step}`));
  const rows = s.checks.map((c) => [
    c.passed ? (isWarning(c) ? paint('yellow', 'warn') : paint('green', ' ok ')) : paint('red', 'FAIL'),
    c.identity,
    `${c.host}${c.check === 'ping' ? ' [ping]' : ''}`,
    describeExpected(c),
    describeObserved(c),
    `${c.observed.route}${c.observed.routeSource ? ` (${c.observed.routeSource})` : ''}`,
  ]);
  const header = ['', 'identity', 'host', 'expected', 'observed', 'route'];
  // eslint-disable-next-line no-control-regex -- ANSI colour sequences start with ESC by definition
  const plain = (x: string) => x.replace(/\x1b\[[0-9;]*m/g, '');
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => plain(r[i]!).length)));
  const fmt = (r: string[]) => '  ' + r.map((cell, i) => cell + ' '.repeat(widths[i]! - plain(cell).length)).join('  ').trimEnd();
  out.push(paint('dim', fmt(header)));
  for (const [i, r] of rows.entries()) {
    out.push(fmt(r));
    const c = s.checks[i]!;
    if (!c.passed) out.push(`      ${paint('red', c.mismatches.join('; '))}\n      ${paint('dim', c.observed.detail)}`);
    else if (isWarning(c)) out.push(`      ${paint('yellow', `warning: reachable only through SSL inspection (${c.observed.issuer ?? 'unknown issuer'}); Microsoft does not support inspecting sensor traffic`)}`);
    // Other warnings (e.g. unreachable revocation hosts) do not fail a check but must be seen.
    if (c.passed) for (const w of c.observed.warnings ?? []) if (!w.startsWith('inspected')) out.push(`      ${paint('yellow', `warning: ${w}`)}`);
    if (c.passed && verbose) out.push(`      ${paint('dim', c.observed.detail)}`);
    // The fix for what was observed, from the one remediation table (HTML and Markdown say the same).
    const fix = !c.passed || isWarning(c) ? remediationForCheck(c) : undefined;
    if (fix) out.push(`      ${paint(fix.severity === 'warning' ? 'yellow' : 'bold', 'fix:')} ${fix.fix}`);
  }
  return out;
}
