/**
 * Clock skew against the cloud's HTTP `Date` header (RFC 9110 §6.6.1: IMF-fixdate, one-second
 * resolution). Pure: the driver passes the header, the local clock when the answer arrived and
 * the request's round trip. The answer could have been stamped anywhere in the round trip, so
 * the skew is only claimed beyond that uncertainty (plus the header's one second).
 */
import { failed, type HostCheckResult } from './host-prerequisite-codes.js';

/** Microsoft's limit: within five minutes (prerequisites-sensor-version-2.md). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export interface ClockEvidence {
  dateHeader: string | undefined;
  /** Local time (ms since epoch) when the response headers arrived. */
  receivedAtMs: number;
  roundTripMs: number;
}

export interface ClockSkewResult extends HostCheckResult {
  /** local - cloud, in ms (positive: the host is ahead). */
  skewMs?: number;
  uncertaintyMs?: number;
}

// IMF-fixdate only ("Sun, 06 Nov 1994 08:49:37 GMT"): the obsolete forms are allowed for
// recipients, but Date.parse would also accept free text, so the shape is checked first.
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

export function checkClockSkew(e: ClockEvidence, maxSkewMs = MAX_CLOCK_SKEW_MS): ClockSkewResult {
  if (e.dateHeader === undefined) return { check: 'clock-skew', status: 'indeterminate', detail: 'the answer had no Date header' };
  const header = e.dateHeader.trim();
  if (!IMF_FIXDATE.test(header)) return { check: 'clock-skew', status: 'indeterminate', detail: `Date header "${header.slice(0, 80)}" is not an IMF-fixdate` };
  const cloudMs = Date.parse(header);
  const skewMs = e.receivedAtMs - cloudMs;
  const uncertaintyMs = Math.max(0, e.roundTripMs) + 1000;
  const base = { skewMs, uncertaintyMs };
  if (Math.abs(skewMs) - uncertaintyMs > maxSkewMs) {
    return { ...failed('clock-skew', 'HOST_CLOCK_SKEW', `host clock is ${formatSkew(skewMs)} the cloud's Date ${header} (limit ${maxSkewMs / 60_000} min, uncertainty ±${uncertaintyMs} ms)`), ...base };
  }
  return { check: 'clock-skew', status: 'ok', detail: `host clock is ${formatSkew(skewMs)} the cloud's Date (±${uncertaintyMs} ms)`, ...base };
}

function formatSkew(skewMs: number): string {
  const s = Math.round(Math.abs(skewMs) / 1000);
  return `${s} s ${skewMs >= 0 ? 'ahead of' : 'behind'}`;
}
