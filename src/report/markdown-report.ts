/**
 * A compact Markdown summary for a CI job page ($GITHUB_STEP_SUMMARY, GitLab/Azure DevOps
 * Markdown summaries): one line, one table of scenarios, then for each failing scenario
 * a table of the checks that did not meet their expectation with the fix for each.
 *
 * Cells are user data: pipes and newlines would break the table and HTML tags would be
 * rendered by GitHub, so every cell goes through `cell()`. Long runs are capped so the
 * summary stays under GitHub's 1 MiB step-summary limit.
 */
import { describeExpected, describeObserved } from './describe-check.js';
import { checkStatus } from './path-groups.js';
import { remediationForCheck } from './remediation.js';
import type { CheckResult, RunReport, ScenarioResult } from './result-model.js';

/** Failing checks listed per scenario before "… and N more". */
export const MAX_ROWS_PER_SCENARIO = 50;

export function renderMarkdownReport(report: RunReport): string {
  const checks = report.scenarios.flatMap((s) => s.checks);
  const warnings = checks.filter((c) => checkStatus(c) === 'warning').length;
  const { scenarios, passed, failed, skipped } = report.summary;
  const lines: string[] = [];
  const verdict = failed ? '❌' : warnings ? '⚠️' : '✅';
  lines.push(
    `## ${verdict} atp-netlab: ${passed} of ${scenarios} scenario(s) passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}` +
      `${warnings ? `, ${warnings} check(s) reachable only through SSL inspection (unsupported)` : ''}`,
    '',
    `${checks.length} check(s), ${checks.filter((c) => !c.passed).length} not as expected, in ${report.durationMs} ms (atp-netlab ${cell(report.version)}).`,
    '',
    '| Status | Scenario | Checks | Failures | Warnings |',
    '|---|---|---:|---:|---:|',
  );
  for (const s of report.scenarios) {
    const failures = s.checks.filter((c) => !c.passed).length;
    const warned = s.checks.filter((c) => checkStatus(c) === 'warning').length;
    const status = s.skipped ? '⏭️ skip' : !s.passed ? '❌ fail' : warned ? '⚠️ warn' : '✅ pass';
    lines.push(`| ${status} | ${cell(s.name)} | ${s.checks.length} | ${s.error ? 'error' : failures} | ${warned} |`);
  }
  for (const s of report.scenarios.filter((x) => !x.passed && !x.skipped)) lines.push('', ...renderFailingScenario(s));
  const skippedScenarios = report.scenarios.filter((s) => s.skipped);
  if (skippedScenarios.length) {
    lines.push('', '### ⏭️ Skipped (not run, not passed)', '', '| Scenario | Reason |', '|---|---|');
    for (const s of skippedScenarios) lines.push(`| ${cell(s.name)} | ${cell(s.skipReason ?? '')} |`);
  }
  const warnedScenarios = report.scenarios.filter((s) => s.passed && s.checks.some((c) => checkStatus(c) === 'warning'));
  if (warnedScenarios.length) {
    lines.push('', '### ⚠️ Reachable only through SSL inspection', '', '| Scenario | Identity | Host | Fix |', '|---|---|---|---|');
    for (const s of warnedScenarios) {
      for (const c of s.checks.filter((x) => checkStatus(x) === 'warning').slice(0, MAX_ROWS_PER_SCENARIO)) {
        lines.push(`| ${cell(s.name)} | ${cell(c.identity)} | ${cell(c.host)} | ${cell(remediationForCheck(c)?.fix ?? '')} |`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

function renderFailingScenario(s: ScenarioResult): string[] {
  const out = [`### ❌ ${cell(s.name)}`, '', `${cell(s.file)}: ${cell(firstSentence(s.description))}`, ''];
  if (s.error) {
    out.push(`**Could not run:** ${cell(s.error)}`);
    return out;
  }
  const failing = s.checks.filter((c) => !c.passed);
  out.push('| Identity | Host | Expected | Observed | Fix |', '|---|---|---|---|---|');
  for (const c of failing.slice(0, MAX_ROWS_PER_SCENARIO)) {
    out.push(`| ${cell(c.identity)} | ${cell(c.host)}${c.check === 'ping' ? ' (ping)' : ''}${c.method ? ` (${cell(c.method)})` : ''}${c.attempt ? ` (attempt ${c.attempt})` : ''} | ${cell(describeExpected(c))} | ${cell(describeObserved(c))} | ${fixFor(c)} |`);
  }
  if (failing.length > MAX_ROWS_PER_SCENARIO) out.push('', `… and ${failing.length - MAX_ROWS_PER_SCENARIO} more failing check(s); see the HTML or JUnit report.`);
  return out;
}

/** The fix for what was observed (already escaped); when the path was clean, the mismatch itself is the news. */
function fixFor(c: CheckResult): string {
  const r = remediationForCheck(c);
  if (r) return `**${cell(r.title)}** (${cell(r.code)}): ${cell(r.fix)}`;
  return cell(`Observed a clean path; check the scenario's expectation (${c.mismatches.join('; ')}).`);
}

function firstSentence(s: string): string {
  const m = /^(.{1,300}?[.!?])(\s|$)/s.exec(s.trim());
  return m ? m[1]! : s.trim().slice(0, 300);
}

/**
 * One table cell (or line) of user text: no line breaks, escaped pipes, no live HTML, and
 * no accidental emphasis, code spans or links (`*.atp.azure.com` twice in a line would
 * otherwise turn into italics).
 */
export function cell(s: string): string {
  return s
    .replace(/\r?\n/g, ' ')
    .replace(/[\\`*_[\]~|]/g, (ch) => `\\${ch}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .trim();
}
