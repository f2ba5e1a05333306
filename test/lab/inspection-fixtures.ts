/**
 * Fixtures for the middlebox / transparent-proxy / inspection tests: one lab PKI
 * cache per machine (generated once, atomically), the probe options of the simulated
 * sensor (LocalService, the sensor's enrolled certificate, trust = the host's store), and
 * route helpers. The probe is the real one; only its transport comes from the lab.
 */
import { PING_PATH } from '../../src/catalog/index.js';
import type { LabDefinition } from '../../src/lab/lab-definition.js';
import { AUTH_CHECK_PATH, LAB_CLOUD_MARKER_HEADER } from '../../src/lab/mock-cloud.js';
import type { StartedInprocLab as StartedLab } from '../../src/engines/inproc/inproc-engine.js';
import type { LabPki } from '../../src/pki/index.js';
import { checkUrl, type ProbeOptions } from '../../src/probe/check-url.js';
import type { ProbeOutcome } from '../../src/probe/outcome.js';
import type { RouteResult } from '../../src/route.js';
import { testPki } from '../helpers/lab-fixtures.js';
import { annotate } from '../../src/engines/inproc/inproc-engine.js';
import type { NetworkEvent } from '../../src/engines/inproc/lab-network.js';

export const CLOUD_HOST = 'contosoatpsensorapi.atp.azure.com';
/** A non-ATP host served by the same mock cloud (for splice: it must be intercepted). */
export const OTHER_HOST = 'portal.contoso-partner.example';

/** The same on-disk lab PKI cache as the other lab tests (generated once per machine). */
export function loadPki(): Promise<LabPki> {
  return testPki();
}

export function baseLab(extra: Partial<LabDefinition> = {}): LabDefinition {
  return {
    domain: 'contoso.example',
    cloud: { hosts: [{ host: CLOUD_HOST }, { host: OTHER_HOST }] },
    proxies: [],
    firewall: { default: 'allow', rules: [] },
    ...extra,
  };
}

export const direct: RouteResult = { failed: false, candidates: [{ kind: 'DIRECT' }], source: 'none', notes: [] };

export function viaProxy(host: string, port = 8080): RouteResult {
  return { failed: false, candidates: [{ kind: 'PROXY', host, port }], source: 'wininet-static', notes: [] };
}

export function sensorOptions(lab: StartedLab, opts: { trustMiddlebox?: boolean; checks?: 'ping' | 'full' } = {}): ProbeOptions {
  const pki = lab.pki;
  return {
    identity: 'LocalService',
    transport: lab.hostTransport(),
    trustedCaPems: opts.trustMiddlebox === undefined ? lab.hostTrustedCaPems() : opts.trustMiddlebox ? [pki.trustedRoot.certPem, pki.middleboxCa.certPem] : [pki.trustedRoot.certPem],
    expected: { rootNames: ['atp-netlab Lab Cloud Root G2'] },
    clientCert: { certPem: pki.clientCert.chainPem, keyPem: pki.clientCert.keyPem },
    pingPath: PING_PATH,
    authCheckPath: AUTH_CHECK_PATH,
    checks: opts.checks ?? 'full',
    timeouts: { tcpMs: 1_000, proxyMs: 3_000, tlsMs: 3_000, httpMs: 3_000, totalMs: 8_000 },
    cloudMarkerHeader: LAB_CLOUD_MARKER_HEADER,
  };
}

/** The probe, then the lab's account of a diversion (as the scenario runner does). */
export async function probe(lab: StartedLab, route: RouteResult, host = CLOUD_HOST, opts: Parameters<typeof sensorOptions>[1] = {}): Promise<ProbeOutcome> {
  const url = `https://${host}${PING_PATH}`;
  const events: NetworkEvent[] = [];
  const o = { ...sensorOptions(lab, opts), transport: lab.hostTransport((e) => events.push(e)) };
  return annotate(await checkUrl(url, route, o), events, { url, host });
}

/** Records are completed asynchronously (a peer's close arrives after the probe returned). */
export async function settled<T extends { upstreamResult: string }>(records: T[], count = 1): Promise<T[]> {
  const deadline = Date.now() + 3_000;
  while (Date.now() < deadline) {
    if (records.length >= count && records.every((r) => r.upstreamResult !== 'pending' && (r as { sensorResult?: string }).sensorResult !== 'pending')) return records;
    await new Promise((r) => setTimeout(r, 10));
  }
  return records;
}
