/**
 * A bounded load soak of the lab's proxies and middlebox: rounds of real connections from the
 * simulated host, then the open-fd count and RSS of this process (which hosts the whole
 * in-process lab) once the round has drained. A leak shows as growth from round to round; the
 * field bug this guards (issue 12 §4) grew from 24 to 8,009 fds and 108 to 279 MB in 5 rounds.
 *
 * Each round mixes what the field does to a proxy:
 *
 *   full mTLS check ─▶ corp-proxy (CONNECT) ─────────────▶ cloud        ("ok")
 *   full mTLS check ─▶ branch-proxy ─▶ core-proxy ───────▶ cloud        ("chained")
 *   CONNECT, then leave early ─▶ branch-proxy ─▶ core-proxy              ("aborted")
 *   full check ─▶ inspector (intercept, re-signs) ───────▶ cloud        ("inspected")
 *
 * Bounded in count (rounds × connectionsPerRound, concurrency) and in time (roundTimeoutMs).
 */
import fs from 'node:fs';
import { PING_PATH } from '../../src/catalog/index.js';
import { startInprocLab, type StartedInprocLab } from '../../src/engines/inproc/inproc-engine.js';
import type { LabDefinition } from '../../src/lab/lab-definition.js';
import { AUTH_CHECK_PATH, LAB_CLOUD_MARKER_HEADER } from '../../src/lab/mock-cloud.js';
import type { LabPki } from '../../src/pki/index.js';
import { checkUrl, type ProbeOptions } from '../../src/probe/check-url.js';
import type { RouteResult } from '../../src/route.js';

export const SOAK_CLOUD_HOST = 'contosoatpsensorapi.atp.azure.com';

export interface SoakOptions {
  rounds: number;
  connectionsPerRound: number;
  concurrency: number;
  roundTimeoutMs: number;
  /** Called after each round (progress on long runs). */
  onRound?: (r: SoakRound) => void;
}

export interface SoakRound {
  round: number;
  fds: number;
  rssMiB: number;
  outcomes: Record<string, number>;
  elapsedMs: number;
}

const SOAK_LAB: LabDefinition = {
  domain: 'contoso.example',
  cloud: { hosts: [{ host: SOAK_CLOUD_HOST }] },
  proxies: [{ name: 'corp-proxy' }, { name: 'branch-proxy', upstream: 'core-proxy' }, { name: 'core-proxy' }],
  middleboxes: [{ name: 'inspector', mode: 'intercept', hostTrustsCa: true }],
  firewall: { default: 'allow', rules: [] },
};

export const openFds = (): number => fs.readdirSync('/proc/self/fd').length;
const rssMiB = (): number => Math.round((process.memoryUsage().rss / 1024 / 1024) * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function viaProxy(host: string): RouteResult {
  return { failed: false, candidates: [{ kind: 'PROXY', host, port: 8080 }], source: 'wininet-static', notes: [] };
}

function sensorOptions(lab: StartedInprocLab): ProbeOptions {
  const pki = lab.pki;
  return {
    identity: 'LocalService',
    transport: lab.hostTransport(),
    trustedCaPems: lab.hostTrustedCaPems(),
    expected: { rootNames: ['atp-netlab Lab Cloud Root G2'] },
    clientCert: { certPem: pki.clientCert.chainPem, keyPem: pki.clientCert.keyPem },
    pingPath: PING_PATH,
    authCheckPath: AUTH_CHECK_PATH,
    checks: 'full',
    timeouts: { tcpMs: 2_000, proxyMs: 5_000, tlsMs: 5_000, httpMs: 5_000, totalMs: 10_000 },
    cloudMarkerHeader: LAB_CLOUD_MARKER_HEADER,
  };
}

/** A CONNECT from the host's address that leaves before, or just as, the tunnel is answered. */
async function abortedConnect(lab: StartedInprocLab, i: number): Promise<string> {
  const ep = lab.endpoints().find((e) => e.name === 'branch-proxy')!;
  const s = await lab.hostTransport().connect(ep.address, 8080, { timeoutMs: 2_000 });
  return new Promise((resolve) => {
    s.on('error', () => undefined);
    s.write(`CONNECT ${SOAK_CLOUD_HOST}:443 HTTP/1.1\r\nHost: ${SOAK_CLOUD_HOST}:443\r\n\r\n`);
    setTimeout(() => {
      s.destroy();
      resolve('aborted');
    }, i % 4);
  });
}

async function oneConnection(lab: StartedInprocLab, opts: ProbeOptions, i: number): Promise<string> {
  const url = `https://${SOAK_CLOUD_HOST}${PING_PATH}`;
  switch (i % 4) {
    case 0:
      return `ok:${(await checkUrl(url, viaProxy('corp-proxy'), opts)).code}`;
    case 1:
      return `chained:${(await checkUrl(url, viaProxy('branch-proxy'), opts)).code}`;
    case 2:
      return abortedConnect(lab, i);
    default:
      return `inspected:${(await checkUrl(url, viaProxy('inspector'), opts)).code}`;
  }
}

/** After a round: collect garbage (when exposed) and let the last closes land, bounded. */
async function drained(baselineFds: number | undefined): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    (globalThis as { gc?: () => void }).gc?.();
    if (baselineFds === undefined || openFds() <= baselineFds + 4 || Date.now() > deadline) return;
    await sleep(100);
  }
}

export async function runLabSoak(pki: LabPki, o: SoakOptions): Promise<SoakRound[]> {
  await using lab = await startInprocLab(SOAK_LAB, pki);
  const opts = sensorOptions(lab);
  const rounds: SoakRound[] = [];
  // Warm-up: TLS contexts, undici, the relay's first buffers; not counted.
  await Promise.all([0, 1, 2, 3].map((i) => oneConnection(lab, opts, i)));
  await drained(undefined);
  await sleep(300);
  let baseline: number | undefined;
  for (let round = 1; round <= o.rounds; round++) {
    const started = Date.now();
    const outcomes: Record<string, number> = {};
    let next = 0;
    const worker = async () => {
      while (next < o.connectionsPerRound && Date.now() - started < o.roundTimeoutMs) {
        const i = next++;
        const k = await oneConnection(lab, opts, i).catch((e: Error) => `error:${e.message}`);
        outcomes[k] = (outcomes[k] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, worker));
    await drained(baseline);
    const r: SoakRound = { round, fds: openFds(), rssMiB: rssMiB(), outcomes, elapsedMs: Date.now() - started };
    baseline ??= r.fds;
    rounds.push(r);
    o.onRound?.(r);
  }
  return rounds;
}
