/**
 * The JSON report, schema 1 (DESIGN.md). Field order follows the contract; extra fields
 * (check, mismatches, path with hop address/port, routeSource, issuer, httpStatus, connectStatus, tlsVersion,
 * tlsCipher, warnings, description, error, steps) are optional additions that schema-1 readers can ignore:
 * the schema stays 1.
 */
import type { RunReport } from './result-model.js';

export function renderJsonReport(report: RunReport): string {
  return (
    JSON.stringify(
      {
        tool: report.tool,
        schema: report.schema,
        version: report.version,
        durationMs: report.durationMs,
        summary: report.summary,
        scenarios: report.scenarios.map((s) => ({
          name: s.name,
          file: s.file,
          passed: s.passed,
          durationMs: s.durationMs,
          description: s.description,
          ...(s.skipped ? { skipped: true, skipReason: s.skipReason ?? '' } : {}),
          ...(s.error ? { error: s.error } : {}),
          ...(s.steps?.length ? { steps: s.steps } : {}),
          checks: s.checks.map((c) => ({
            identity: c.identity,
            url: c.url,
            host: c.host,
            check: c.check,
            ...(c.method ? { method: c.method } : {}),
            ...(c.attempt ? { attempt: c.attempt } : {}),
            passed: c.passed,
            expected: c.expected,
            observed: {
              reachable: c.observed.reachable,
              step: c.observed.step,
              code: c.observed.code,
              inspected: c.observed.inspected,
              route: c.observed.route,
              detail: c.observed.detail,
              durationMs: c.observed.durationMs,
              timings: c.observed.timings,
              ...(c.observed.responder ? { responder: c.observed.responder } : {}),
              ...(c.observed.routeSource ? { routeSource: c.observed.routeSource } : {}),
              ...(c.observed.pingAnswer ? { pingAnswer: c.observed.pingAnswer } : {}),
              ...(c.observed.sensor ? { sensor: c.observed.sensor } : {}),
              ...(c.observed.issuer ? { issuer: c.observed.issuer } : {}),
              ...(c.observed.httpStatus !== undefined ? { httpStatus: c.observed.httpStatus } : {}),
              ...(c.observed.connectStatus ? { connectStatus: c.observed.connectStatus } : {}),
              ...(c.observed.tlsVersion ? { tlsVersion: c.observed.tlsVersion } : {}),
              ...(c.observed.tlsCipher ? { tlsCipher: c.observed.tlsCipher } : {}),
              ...(c.observed.warnings?.length ? { warnings: c.observed.warnings } : {}),
            },
            ...(c.mismatches.length ? { mismatches: c.mismatches } : {}),
            ...(c.path ? { path: c.path } : {}),
          })),
        })),
      },
      null,
      2,
    ) + '\n'
  );
}
