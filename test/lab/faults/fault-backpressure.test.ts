/**
 * The fault pipe passes backpressure on: behind a slow fault (bandwidth 1 MB/s), a writer
 * that sends as fast as the link lets it (it waits for 'drain', as a well-behaved sender
 * does) gets only about what the fault passes plus the sockets' own buffers, and the relay
 * holds a bounded number of bytes. Before the fix the relay read everything at once and queued
 * it in the fault chain: the writer flushed all 50 MB in about a second, and the process's
 * buffers grew by as much.
 */
import { describe, expect, it } from 'vitest';
import { fault, wrapped } from './fault-harness.js';

const MB = 1024 * 1024;
const TOTAL_BYTES = 50 * MB;
const RUN_MS = 2_500;

describe('fault pipe backpressure', () => {
  it('a fast writer through a 1 MB/s bandwidth fault is held back; the relay stays bounded', { timeout: 10_000 }, async () => {
    const w = await wrapped([fault({ type: 'bandwidth', direction: 'downstream', rateKBps: 1024 })]);
    let received = 0;
    w.client.on('data', (b: Buffer) => (received += b.length));
    const chunk = Buffer.alloc(64 * 1024, 1);
    let flushed = 0;
    let stop = false;
    const baseline = process.memoryUsage().arrayBuffers;
    let peakBuffers = 0;
    const sample = setInterval(() => (peakBuffers = Math.max(peakBuffers, process.memoryUsage().arrayBuffers - baseline)), 50);
    const writer = (async () => {
      while (!stop && flushed < TOTAL_BYTES) {
        const ok = w.server.write(chunk, () => (flushed += chunk.length));
        if (!ok) await new Promise<void>((r) => {
          w.server.once('drain', r);
          w.server.once('close', r);
        });
      }
    })();
    await new Promise((r) => setTimeout(r, RUN_MS));
    stop = true;
    clearInterval(sample);
    w.server.destroy();
    await writer.catch(() => undefined);
    // Measured: 1.6 MB at the reader, 7 MB flushed, 3.5 MB peak buffers (before the fix: 55 MB
    // flushed, 55 MB buffered). 1 MB/s for 2.5 s is at most 2.5 MB at the reader; the loopback
    // socket buffers (two connections, send and receive, autotuned) hold several MB more.
    expect(received).toBeGreaterThan(0.5 * MB);
    expect(received).toBeLessThan(4 * MB);
    expect(flushed).toBeLessThan(20 * MB);
    expect(peakBuffers).toBeLessThan(16 * MB);
  });
});
