/**
 * One result model for every reporter (console, JSON schema 1, JUnit, HTML, Markdown).
 */
import type { ProbeOutcome } from '../probe/outcome.js';
import type { HopTrace } from '../probe/outcome.js';

export interface ExpectedOutcome {
  reachable: boolean;
  step?: string;
  code?: string;
  inspected?: boolean;
  route?: string;
  routeSource?: string;
  /** Which era answer of the cloud proved reachability (catalog/ping-answers.ts ids). */
  pingAnswer?: string;
  detailIncludes?: string;
  warningIncludes?: string;
  /** Observe and confirm: the lab saw this through an inferred component; confirm it on the real host. */
  confirm?: string;
}

export interface CheckResult {
  identity: string;
  url: string;
  host: string;
  /** `full` (ping + authenticated call, what the sensor needs) or `ping` (what a browser shows). */
  check: 'full' | 'ping';
  /** A proxy method of the matrix (probe --matrix in the lab); absent: the identity's own route. */
  method?: string;
  /** The round the check ran in, when the scenario has more than one (expectation `attempt`). */
  attempt?: number;
  passed: boolean;
  expected: ExpectedOutcome;
  observed: ProbeOutcome;
  /** Why it did not pass, one line per differing field. */
  mismatches: string[];
  /** The path as drawn in reports: host → firewall → proxy → middlebox → cloud. */
  path?: HopTrace[];
}

export interface ScenarioResult {
  name: string;
  file: string;
  description: string;
  /** True only when it ran and every expectation held; a skipped scenario is never passed. */
  passed: boolean;
  /** Skipped: the engine could not provide what the scenario needs (see skipReason). */
  skipped?: boolean;
  /** Why it was skipped, one line (a missing binary, privilege, daemon, or component kind). */
  skipReason?: string;
  durationMs: number;
  checks: CheckResult[];
  /** Set when the scenario could not run at all (lab failed to start, bad .reg file...). */
  error?: string;
  /** What the lab was, in words (explainLab). */
  lab?: string;
  /** Admin steps run on the host (e.g. proxy-copy), with what they did. */
  steps?: string[];
}

export interface RunReport {
  tool: 'atp-netlab';
  schema: 1;
  version: string;
  durationMs: number;
  /** `skipped` counts scenarios that did not run; they are neither passed nor failed. */
  summary: { scenarios: number; passed: number; failed: number; skipped: number };
  scenarios: ScenarioResult[];
}
