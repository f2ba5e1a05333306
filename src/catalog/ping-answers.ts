/**
 * What the cloud's connectivity-test endpoint answers, by era and sensor generation, as data.
 * The probe's verdict will join on these (not wired yet: see issue 14); `classifyPingAnswer`
 * is the one place that decides which era an answer belongs to.
 *
 *   era            generation   path                      status  body
 *   legacy-503     v2           /tri/sensor/api/ping      503     any ("The service is unavailable")
 *   ok-200         v2           /tri/sensor/api/ping      200     "Ok"
 *   version-200    v2           /tri/sensor/api/ping      200     a version number, e.g. 2.251.19142.29040
 *   v3-cnc-500     v3           /cnc/identity/api         500     any            (unverified, see below)
 */
import type { SourceKey } from './sources.js';

export type SensorGenerationId = 'v2-wininet' | 'v2' | 'v3';

export type PingAnswerId = 'legacy-503' | 'ok-200' | 'version-200' | 'v3-cnc-500';

export interface PingAnswer {
  id: PingAnswerId;
  /** Generations whose test uses this path and reads this answer as "reachable". */
  generations: readonly SensorGenerationId[];
  path: string;
  status: number;
  /** Matches the (trimmed) body; undefined = any body. */
  body?: RegExp;
  meaning: string;
  source: SourceKey;
  section: string;
  /** False when no source the project could read states it (it is then the claim). */
  verified: boolean;
}

export const V2_PING_PATH = '/tri/sensor/api/ping';
export const V3_CONNECTIVITY_PATH = '/cnc/identity/api';

// Four dot-separated numbers is how sensor versions are written (2.2xx.xxxxx.xxxxx); accept 2 to 4
// parts so a shortened version still counts, never free text.
const VERSION_BODY = /^\d{1,5}(?:\.\d{1,6}){1,3}$/;

export const PING_ANSWERS: readonly PingAnswer[] = [
  {
    id: 'legacy-503', generations: ['v2-wininet', 'v2'], path: V2_PING_PATH, status: 503,
    meaning: 'older workspaces answer "Error 503 The service is unavailable": a temporary state that still proves the route to the HTTPS endpoint',
    source: 'mdiTestConnectivity', section: 'Test connectivity using a browser', verified: true,
  },
  {
    id: 'ok-200', generations: ['v2-wininet', 'v2'], path: V2_PING_PATH, status: 200, body: /^Ok$/,
    meaning: 'the "Ok" message of the earlier editions (the current page still says "If you don\'t get Ok message…")',
    source: 'mdiTestConnectivity', section: 'Test connectivity using a browser', verified: true,
  },
  {
    id: 'version-200', generations: ['v2-wininet', 'v2'], path: V2_PING_PATH, status: 200, body: VERSION_BODY,
    meaning: 'the current answer: "the latest sensor version number"',
    source: 'mdiTestConnectivity', section: 'Test connectivity using a browser', verified: true,
  },
  {
    id: 'v3-cnc-500', generations: ['v3'], path: V3_CONNECTIVITY_PATH, status: 500,
    meaning: 'the v3 connectivity test calls …/cnc/identity/api, where HTTP 500 means the service was reached',
    // Not found in defender-docs (deploy-sensor-v3.md, prerequisites-sensor-version-3.md,
    // test-connectivity.md) nor in the readable copy of the PowerShell module (whose
    // Test-MDISensorApiConnection predates -SensorType Modern). Kept as the claim.
    source: 'issue14', section: 'Why: the v3.x sensor', verified: false,
  },
];

/**
 * Which era's answer this is, for a generation; undefined when the answer does not prove
 * reachability. Note Microsoft's own Test-MDISensorApiConnection (the module copy read) treats
 * anything but 200 as failure, so a 503 workspace fails that cmdlet while the page calls it success.
 */
export function classifyPingAnswer(generation: SensorGenerationId, path: string, status: number, body: string): PingAnswer | undefined {
  const trimmed = body.trim();
  return PING_ANSWERS.find(
    (a) => a.generations.includes(generation) && a.path === path && a.status === status && (a.body === undefined || a.body.test(trimmed)),
  );
}
