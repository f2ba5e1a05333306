/**
 * `atp-netlab load`: a fleet of simulated sensors through one scenario's lab, bounded in
 * sensors and time, with progress, and a summary that says what the design carries.
 *
 *   scenario ─compile─▶ plan ─engine.start─▶ lab ─enrollSensors(fleet)─▶ cloud knows them
 *                                             └─sensorSide(identity)─▶ N × SimulatedSensor.run()
 *   every progressEveryMs: one progress line; at durationMs: stop, drain, dispose the lab
 */
import { setMaxListeners } from 'node:events';
import { AtpNetlabError } from '../errors.js';
import type { Engine } from '../engines/engine.js';
import type { Identity } from '../identity.js';
import type { LabPki } from '../pki/index.js';
import { compileScenario } from '../scenario/compile-plan.js';
import type { LoadedScenario } from '../scenario/load-scenario.js';
import { VERSION } from '../version.js';
import { LoadMetrics, type LoadSummary } from './load-metrics.js';
import { SimulatedSensor, type TrafficShape } from './simulated-sensor.js';

/** Bounds a load run never exceeds, whatever it is asked (every load loop is bounded). */
export const LOAD_LIMITS = { maxSensors: 2_000, maxDurationMs: 3_600_000, minHeartbeatMs: 100, maxUploadBytes: 1024 * 1024 } as const;
/** The product raises "Sensor stopped communicating" after 5 minutes without contact. */
export const PRODUCT_STOPPED_THRESHOLD_MS = 5 * 60_000;
/** A scaled threshold never goes below this: a handshake on a busy machine can take a second. */
export const MIN_SCALED_THRESHOLD_MS = 2_000;

export const DEFAULT_SHAPE: TrafficShape = { heartbeatMs: 2_000, uploadEveryMs: 5_000, uploadBytes: 16 * 1024, stepTimeoutMs: 5_000, backoffMs: 250, backoffMaxMs: 5_000 };

export interface LoadOptions {
  loaded: LoadedScenario;
  pki: LabPki;
  engine: Engine;
  sensors: number;
  durationMs: number;
  shape?: Partial<TrafficShape>;
  /** The sensor service's identity (default LocalSystem, as the sensor service runs). */
  identity?: Identity;
  /** Sensors start spread over this time (default 1 s); 0 = all at once, as after a maintenance window. */
  rampMs?: number;
  /** Default: the product's 5 minutes, scaled to a third of a shorter run, at least 2 s (the heartbeat follows). */
  stoppedAfterMs?: number;
  /** A progress line; `final` for the last one, after the run stopped. */
  onProgress?: (line: string, final: boolean) => void;
  progressEveryMs?: number;
}

export interface LoadReport {
  tool: 'atp-netlab';
  schema: 1;
  kind: 'load';
  version: string;
  scenario: string;
  engine: string;
  identity: Identity;
  target: string;
  shape: TrafficShape;
  rampMs: number;
  summary: LoadSummary;
  /** The lab cloud's own records (its newest 10,000): distinct enrolled sensors it saw, and their count. */
  cloud: { distinctSensors: number; requests: number };
}

export function validateLoadOptions(o: Pick<LoadOptions, 'sensors' | 'durationMs' | 'shape'>): void {
  const bad = (field: string, value: unknown, want: string) => new AtpNetlabError('ATPNL_USAGE', `${field}: ${String(value)} is not ${want}`, { field });
  if (!Number.isInteger(o.sensors) || o.sensors < 1 || o.sensors > LOAD_LIMITS.maxSensors) throw bad('--sensors', o.sensors, `an integer from 1 to ${LOAD_LIMITS.maxSensors}`);
  if (!Number.isFinite(o.durationMs) || o.durationMs < 1_000 || o.durationMs > LOAD_LIMITS.maxDurationMs) throw bad('--duration', `${o.durationMs} ms`, `from 1 s to ${LOAD_LIMITS.maxDurationMs / 1000} s`);
  const s = o.shape ?? {};
  if (s.heartbeatMs !== undefined && (!Number.isFinite(s.heartbeatMs) || s.heartbeatMs < LOAD_LIMITS.minHeartbeatMs)) throw bad('--heartbeat-ms', s.heartbeatMs, `at least ${LOAD_LIMITS.minHeartbeatMs}`);
  if (s.uploadBytes !== undefined && (!Number.isInteger(s.uploadBytes) || s.uploadBytes < 0 || s.uploadBytes > LOAD_LIMITS.maxUploadBytes)) throw bad('--upload-bytes', s.uploadBytes, `from 0 to ${LOAD_LIMITS.maxUploadBytes}`);
}

export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  validateLoadOptions(o);
  const thresholdMs = o.stoppedAfterMs ?? Math.min(PRODUCT_STOPPED_THRESHOLD_MS, Math.max(MIN_SCALED_THRESHOLD_MS, o.durationMs / 3));
  // A short run scales the product's rhythm down with its threshold: a sensor must get at
  // least four heartbeats into one threshold, or every sensor would count as "stopped".
  const shape: TrafficShape = { ...DEFAULT_SHAPE, heartbeatMs: Math.max(LOAD_LIMITS.minHeartbeatMs, Math.min(DEFAULT_SHAPE.heartbeatMs, Math.round(thresholdMs / 4))), ...o.shape };
  const identity = o.identity ?? 'LocalSystem';
  const rampMs = Math.min(o.rampMs ?? 1_000, o.durationMs / 2);
  const { plan } = await compileScenario(o.loaded);
  const unsupported = o.engine.unsupported(plan);
  if (unsupported) throw new AtpNetlabError('ATPNL_USAGE', `engine ${o.engine.name} cannot run this scenario: ${unsupported}`);
  // The sensor's own endpoint: the workspace's sensorapi host the scenario checks.
  const check = plan.checks.find((c) => c.identity === identity && /sensorapi\./.test(c.host)) ?? plan.checks.find((c) => /sensorapi\./.test(c.host));
  if (!check) throw new AtpNetlabError('ATPNL_USAGE', `scenario ${plan.name} checks no sensorapi host to load`);
  const fleet = o.pki.sensorFleet(o.sensors);

  await using lab = await o.engine.start(plan, { pki: o.pki });
  if (!lab.sensorSide || !lab.enrollSensors) throw new AtpNetlabError('ATPNL_USAGE', `engine ${o.engine.name} cannot run simulated sensors (load)`);
  await lab.enrollSensors(fleet.map((c) => c.thumbprint));
  const side = await lab.sensorSide(identity);
  const url = new URL(check.url);
  const metrics = new LoadMetrics(performance.now(), thresholdMs);
  const stop = new AbortController();
  // Every sensor waits on this one signal (sleeps, dials, requests): a bounded, known number.
  setMaxListeners(LOAD_LIMITS.maxSensors * 4, stop.signal);
  const sensors = fleet.map((cert, i) => {
    const name = cert.subject.replace(/^CN=/, '') || `sensor-${i + 1}`;
    metrics.add(name);
    return new SimulatedSensor({ name, certPem: cert.chainPem, keyPem: cert.keyPem }, side, url, shape, metrics, stop.signal);
  });
  const progress = o.onProgress ? setInterval(() => o.onProgress!(metrics.progressLine(o.durationMs), false), o.progressEveryMs ?? 1_000) : undefined;
  const deadline = setTimeout(() => stop.abort(), o.durationMs);
  try {
    const runs = sensors.map(async (s, i) => {
      if (rampMs > 0) await new Promise((r) => setTimeout(r, (rampMs * i) / sensors.length));
      if (!stop.signal.aborted) await s.run();
    });
    await Promise.all(runs);
  } finally {
    clearTimeout(deadline);
    clearInterval(progress);
    stop.abort();
  }
  const summary = metrics.summary();
  o.onProgress?.(metrics.progressLine(o.durationMs), true);
  const clouds = plan.components.filter((c) => c.type === 'cloud-endpoint');
  const cloudRecords = (await Promise.all(clouds.map((c) => (lab.fetchRecords ? lab.fetchRecords(c.name) : lab.records(c.name))))).flat() as { clientCertThumbprint: string | null; enrolled: boolean }[];
  const enrolledSeen = new Set(cloudRecords.filter((r) => r.enrolled && r.clientCertThumbprint).map((r) => r.clientCertThumbprint));
  return {
    tool: 'atp-netlab',
    schema: 1,
    kind: 'load',
    version: VERSION,
    scenario: plan.name,
    engine: o.engine.name,
    identity,
    target: url.host,
    shape,
    rampMs,
    summary,
    cloud: { distinctSensors: enrolledSeen.size, requests: cloudRecords.length },
  };
}
