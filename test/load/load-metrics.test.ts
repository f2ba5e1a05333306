import { describe, expect, it } from 'vitest';
import { LoadMetrics, percentile } from '../../src/load/load-metrics.js';

describe('load metrics (sans-IO, a clock passed in)', () => {
  it('nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 100], 99)).toBe(100);
  });

  it('counts handshakes, requests, errors by code, reconnects, and who stopped communicating', () => {
    let now = 0;
    const m = new LoadMetrics(0, 3_000, () => now);
    m.add('a');
    m.add('b');
    m.add('c');
    now = 100;
    m.connected('a', 50);
    m.connected('b', 60);
    now = 1_100;
    m.request('a', 10, true);
    m.request('b', 30, true);
    now = 2_500;
    m.request('a', 20, true);
    m.error('b', 'PROXY_CLOSED');
    m.reconnect('b');
    m.error('c', 'TCP_TIMEOUT');
    now = 5_000;
    m.request('a', 40, true);
    const s = m.summary();
    expect(s).toMatchObject({
      sensors: 3,
      connectionsEstablished: 2,
      requests: 4,
      errorsByCode: { PROXY_CLOSED: 1, TCP_TIMEOUT: 1 },
      reconnects: 1,
      stoppedCommunicatingThresholdMs: 3_000,
    });
    // a kept in contact (last at 2.5 s, then 5 s); b (last 1.1 s) and c (never) went silent past 3 s.
    expect(s.stoppedCommunicating).toBe(2);
    expect(s.requestLatencyMs).toEqual({ p50: 20, p99: 40 });
    expect(s.handshakesPerSecond).toBe(0.4);
    expect(s.series.map((b) => b.t)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.series[0]).toMatchObject({ handshakes: 2, connected: 2 });
    expect(s.series[2]).toMatchObject({ errors: 2, reconnects: 1, requests: 1, p50Ms: 20 });
  });
});
