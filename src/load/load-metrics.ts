/**
 * Sans-IO: what a load run counts, and the summary it reports. The sensors call in; the
 * clock is passed in, so the summary can be tested from a table of events.
 */
import type { ProbeCode } from '../probe/outcome.js';

/** Seconds a bucket of the time series covers. */
export const BUCKET_S = 1;
/** Latency samples kept for the percentiles; beyond it, reservoir sampling keeps them fair. */
export const MAX_LATENCY_SAMPLES = 100_000;

export interface LoadBucket {
  /** Seconds since the start. */
  t: number;
  handshakes: number;
  requests: number;
  errors: number;
  reconnects: number;
  /** Sensors holding a connection at the end of the bucket. */
  connected: number;
  /** Median request latency in the bucket (ms), when there were requests. */
  p50Ms?: number;
}

export interface LoadSummary {
  sensors: number;
  durationMs: number;
  connectionsEstablished: number;
  handshakesPerSecond: number;
  requests: number;
  requestLatencyMs: { p50: number | null; p99: number | null };
  errorsByCode: Partial<Record<ProbeCode, number>>;
  reconnects: number;
  /** Sensors with no successful contact within the threshold, at any time in the run. */
  stoppedCommunicating: number;
  stoppedCommunicatingThresholdMs: number;
  series: LoadBucket[];
}

interface SensorState {
  lastContactMs: number;
  everStopped: boolean;
  connected: boolean;
}

export class LoadMetrics {
  private readonly sensors = new Map<string, SensorState>();
  private readonly latencies: number[] = [];
  private latencySeen = 0;
  private readonly buckets: LoadBucket[] = [];
  private readonly bucketLatencies = new Map<number, number[]>();
  private established = 0;
  private requests = 0;
  private reconnects = 0;
  private readonly errors: Partial<Record<ProbeCode, number>> = {};

  constructor(
    private readonly startMs: number,
    /** "Sensor stopped communicating": no successful contact within this time. */
    readonly thresholdMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  add(name: string): void {
    this.sensors.set(name, { lastContactMs: this.startMs, everStopped: false, connected: false });
  }

  /** The sensor's first attempt begins now (after the ramp): silence is counted from here. */
  started(name: string): void {
    this.sensors.get(name)!.lastContactMs = this.now();
  }

  private bucket(): LoadBucket {
    const t = Math.floor((this.now() - this.startMs) / 1000 / BUCKET_S) * BUCKET_S;
    let b = this.buckets.at(-1);
    while (!b || b.t < t) {
      b = { t: b ? b.t + BUCKET_S : 0, handshakes: 0, requests: 0, errors: 0, reconnects: 0, connected: this.connectedCount() };
      this.buckets.push(b);
    }
    return b;
  }

  private connectedCount(): number {
    let n = 0;
    for (const s of this.sensors.values()) if (s.connected) n++;
    return n;
  }

  private contact(name: string): void {
    const s = this.sensors.get(name)!;
    this.checkStopped(s);
    s.lastContactMs = this.now();
  }

  private checkStopped(s: SensorState): void {
    if (this.now() - s.lastContactMs > this.thresholdMs) s.everStopped = true;
  }

  connected(name: string, _handshakeMs: number): void {
    this.established++;
    const s = this.sensors.get(name)!;
    s.connected = true;
    this.contact(name);
    const b = this.bucket();
    b.handshakes++;
    b.connected = this.connectedCount();
  }

  request(name: string, latencyMs: number, ok: boolean): void {
    this.requests++;
    if (ok) this.contact(name);
    this.latencySeen++;
    if (this.latencies.length < MAX_LATENCY_SAMPLES) this.latencies.push(latencyMs);
    else {
      const j = Math.floor(Math.random() * this.latencySeen);
      if (j < MAX_LATENCY_SAMPLES) this.latencies[j] = latencyMs;
    }
    const b = this.bucket();
    b.requests++;
    const list = this.bucketLatencies.get(b.t) ?? [];
    if (list.length < 10_000) list.push(latencyMs);
    this.bucketLatencies.set(b.t, list);
  }

  error(name: string, code: ProbeCode): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
    const s = this.sensors.get(name)!;
    s.connected = false;
    this.checkStopped(s);
    const b = this.bucket();
    b.errors++;
    b.connected = this.connectedCount();
  }

  reconnect(name: string): void {
    this.reconnects++;
    this.sensors.get(name)!.connected = false;
    this.bucket().reconnects++;
  }

  /** One line for a progress display. */
  progressLine(totalMs: number): string {
    const elapsed = Math.min(totalMs, this.now() - this.startMs);
    const errors = Object.values(this.errors).reduce((a, b) => a + b, 0);
    return `load: ${(elapsed / 1000).toFixed(0)}/${(totalMs / 1000).toFixed(0)} s, ${this.connectedCount()}/${this.sensors.size} connected, ${this.established} handshakes, ${this.requests} requests, ${errors} errors, ${this.reconnects} reconnects`;
  }

  summary(): LoadSummary {
    const durationMs = this.now() - this.startMs;
    for (const s of this.sensors.values()) this.checkStopped(s);
    this.bucket();
    for (const b of this.buckets) {
      const l = this.bucketLatencies.get(b.t);
      if (l?.length) b.p50Ms = round(percentile(l, 50)!);
    }
    return {
      sensors: this.sensors.size,
      durationMs: Math.round(durationMs),
      connectionsEstablished: this.established,
      handshakesPerSecond: round(this.established / Math.max(durationMs / 1000, 0.001)),
      requests: this.requests,
      requestLatencyMs: { p50: nullableRound(percentile(this.latencies, 50)), p99: nullableRound(percentile(this.latencies, 99)) },
      errorsByCode: { ...this.errors },
      reconnects: this.reconnects,
      stoppedCommunicating: [...this.sensors.values()].filter((s) => s.everStopped).length,
      stoppedCommunicatingThresholdMs: this.thresholdMs,
      series: this.buckets.map((b) => ({ ...b })),
    };
  }
}

/** Nearest-rank percentile; undefined for no samples. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
function nullableRound(n: number | undefined): number | null {
  return n === undefined ? null : round(n);
}
