/**
 * `probe --proxy-log`: the proxies' own access logs, read after a check's attempt, as the
 * reports the verdict takes (externalReports of checkUrl).
 *
 *   attempt ends in a reset right after CONNECT?
 *     └─ yes ─▶ read each log's last PROXY_LOG_TAIL_BYTES ─▶ parse ─▶ match in the window
 *                  └─ no denial yet: read again every PROXY_LOG_POLL_MS, up to PROXY_LOG_WAIT_MS
 *
 * Read after the attempt, never before: a live log (on a share) gains the line when the
 * proxy ends the transaction, and a copy the customer makes right after holds it. The wait
 * covers a proxy that writes through a log daemon (Debian's `access_log daemon:...`). An
 * ever-growing log is read from its end only, so memory and time stay bounded.
 */
import { isAtpNetlabError } from '../errors.js';
import { INPUT_CAPS, readInputTail } from '../input/read-input.js';
import type { ExternalReport, ProbeEvidence } from './evidence.js';
import type { ProxyLogCheck } from './outcome.js';
import { resetRightAfterConnect } from './policy-reset-reports.js';
import { parseProxyAccessLog } from './proxy-access-log.js';
import { proxyLogReports, type AttemptWindow, type ProxyLogRead } from './proxy-log-reports.js';

export const PROXY_LOG_TAIL_BYTES = INPUT_CAPS['proxy-log'].maxBytes;
const PROXY_LOG_WAIT_MS = 1_500;
const PROXY_LOG_POLL_MS = 250;

async function readOne(file: string, tailBytes: number): Promise<ProxyLogRead> {
  try {
    const { bytes, skippedBytes } = await readInputTail(file, 'proxy-log', { maxBytes: tailBytes });
    let text = bytes.toString('utf8');
    // A tail starts inside a line: that piece is not a line of the log.
    if (skippedBytes > 0) text = text.slice(text.indexOf('\n') + 1);
    return { file, parsed: parseProxyAccessLog(text), bytesRead: bytes.length, skippedBytes };
  } catch (e) {
    if (!isAtpNetlabError(e)) throw e;
    return { file, bytesRead: 0, skippedBytes: 0, error: e.message };
  }
}

export interface ProxyLogOutcome {
  reports: ExternalReport[];
  /** Empty when the check did not end in a reset right after CONNECT (no log is read). */
  checks: ProxyLogCheck[];
}

/** The logs' verdict on this check's reset; `startMs` is when the attempt began (this host's clock). */
export async function readProxyLogReports(
  ev: ProbeEvidence,
  files: readonly string[],
  o: { startMs: number; toleranceMs: number; tailBytes?: number; waitMs?: number },
): Promise<ProxyLogOutcome> {
  if (!files.length || !resetRightAfterConnect(ev)) return { reports: [], checks: [] };
  const w: AttemptWindow = { startMs: o.startMs, endMs: Date.now(), toleranceMs: o.toleranceMs };
  const waitMs = o.waitMs ?? PROXY_LOG_WAIT_MS;
  for (let waitedMs = 0; ; waitedMs += PROXY_LOG_POLL_MS) {
    const reads = await Promise.all(files.map((f) => readOne(f, o.tailBytes ?? PROXY_LOG_TAIL_BYTES)));
    const out = proxyLogReports(ev, reads, w);
    if (out.reports.length || waitedMs >= waitMs) return out;
    await new Promise((r) => setTimeout(r, PROXY_LOG_POLL_MS));
  }
}
