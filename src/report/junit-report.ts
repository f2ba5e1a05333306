/**
 * JUnit XML through junit-report-builder (a maintained writer that escapes correctly):
 * one testsuite per scenario, one testcase per check; a failed expectation is a <failure>
 * whose message says expected vs observed; a scenario that could not run is an <error>.
 */
import junitBuilder, { type Builder } from 'junit-report-builder';
import { describeExpected, describeObserved } from './describe-check.js';
import type { RunReport } from './result-model.js';

export function renderJunitReport(report: RunReport): string {
  // The package is CommonJS whose module.exports *is* the builder; its typings describe an ESM default.
  const builder = (junitBuilder as unknown as { newBuilder(): Builder }).newBuilder();
  for (const s of report.scenarios) {
    const suite = builder.testSuite().name(s.name).timestamp(new Date()).time(s.durationMs / 1000);
    suite.property('file', s.file);
    if (s.skipped) {
      suite.testCase().className(s.name).name('scenario').skipped().standardOutput(`skipped: ${s.skipReason ?? ''}`);
      suite.property('skipReason', s.skipReason ?? '');
      continue;
    }
    if (s.error) {
      suite.testCase().className(s.name).name('scenario setup').error(s.error, 'ScenarioError');
      continue;
    }
    for (const c of s.checks) {
      const tc = suite
        .testCase()
        .className(`${s.name}.${c.identity}`)
        .name(`${c.identity} ${c.host} (${c.check}${c.attempt ? `, attempt ${c.attempt}` : ''})`)
        .time(c.observed.durationMs / 1000);
      tc.standardOutput(`route: ${c.observed.route}${c.observed.routeSource ? ` (${c.observed.routeSource})` : ''}\n${c.observed.detail}`);
      if (!c.passed) {
        tc.failure(`expected ${describeExpected(c)}, observed ${describeObserved(c)}: ${c.mismatches.join('; ')}`, 'ExpectationNotMet');
      }
    }
  }
  return builder.build();
}
