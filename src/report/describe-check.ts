/**
 * One-line wording of a check's expected and observed outcome, shared by every reporter so
 * the console, JUnit, HTML and Markdown say the same thing.
 */
import type { CheckResult } from './result-model.js';

export function describeExpected(c: CheckResult): string {
  const e = c.expected;
  return e.reachable ? `reachable (${e.code ?? 'OK'})` : `unreachable at ${e.step ?? '?'}/${e.code ?? '?'}`;
}

export function describeObserved(c: CheckResult): string {
  const o = c.observed;
  return o.reachable ? `reachable (${o.code})${o.inspected ? ' INSPECTED' : ''}` : `unreachable at ${o.step}/${o.code}`;
}

/** The short form the console table uses: `OK`, `OK INSPECTED`, or `step/CODE`. */
export function shortExpected(c: CheckResult): string {
  const e = c.expected;
  return e.reachable ? (e.code ?? 'OK') : `${e.step ?? '?'}/${e.code ?? '?'}`;
}

export function shortObserved(c: CheckResult): string {
  const o = c.observed;
  return o.reachable ? `${o.code}${o.inspected ? ' INSPECTED' : ''}` : `${o.step}/${o.code}`;
}
