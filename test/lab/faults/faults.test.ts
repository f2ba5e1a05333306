/**
 * One test per fault type, on real loopback sockets wrapped as the engine wraps a link:
 * each asserts what the receiving side observes (timing, bytes, FIN or RST).
 */
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { faultTypes } from '../../../src/lab/faults/index.js';
import { collect, fault, within, wrapped } from './fault-harness.js';

describe('fault types', () => {
  it('registers every type of issue 15 by name', () => {
    expect(faultTypes().map((t) => t.type).sort()).toEqual(
      ['bandwidth', 'idle_timeout', 'latency', 'limit_data', 'reset_after_client_hello', 'reset_peer', 'slicer', 'slow_close', 'timeout'],
    );
  });

  it('latency: downstream bytes arrive latencyMs late, upstream ones at once', async () => {
    const w = await wrapped([fault({ type: 'latency', direction: 'downstream', latencyMs: 150, jitterMs: 20 })]);
    const t0 = performance.now();
    const got = new Promise<number>((r) => w.client.once('data', () => r(performance.now() - t0)));
    w.server.write('x');
    expect(await got).toBeGreaterThanOrEqual(125);
    const up0 = performance.now();
    const up = new Promise<number>((r) => w.server.once('data', () => r(performance.now() - up0)));
    w.client.write('y');
    expect(await up).toBeLessThan(100);
  });

  it('bandwidth: 10 KB/s carries 5 KB in about half a second, intact', async () => {
    const w = await wrapped([fault({ type: 'bandwidth', direction: 'downstream', rateKBps: 10 })]);
    const payload = Buffer.alloc(5 * 1024, 7);
    const got = collect(w.client);
    w.server.end(payload);
    const r = await got;
    expect(r.data.equals(payload)).toBe(true);
    expect(r.endedAtMs).toBeGreaterThanOrEqual(400);
  });

  it('timeout afterBytes: passes that many bytes, stalls, then closes timeoutMs later', async () => {
    const w = await wrapped([fault({ type: 'timeout', direction: 'upstream', afterBytes: 5, timeoutMs: 250 })]);
    const atServer = collect(w.server);
    const atClient = collect(w.client);
    w.client.write('hello world');
    const s = await atServer;
    expect(s.data.toString()).toBe('hello');
    const c = await atClient;
    expect(c.endedAtMs).toBeGreaterThanOrEqual(200);
    expect(w.events).toMatchObject([{ action: 'hold' }, { action: 'close' }]);
  });

  it('timeout 0: holds the connection open with no data and no close', async () => {
    const w = await wrapped([fault({ type: 'timeout', direction: 'downstream', timeoutMs: 0 })]);
    w.server.write('answer');
    w.server.end();
    expect(await within(w.client, 300)).toEqual({ data: Buffer.alloc(0), ended: false });
  });

  it('reset_peer: the first bytes get a TCP reset and never arrive', async () => {
    const w = await wrapped([fault({ type: 'reset_peer', direction: 'upstream' })]);
    const atClient = collect(w.client);
    const atServer = collect(w.server);
    w.client.write('CONNECT x:443 HTTP/1.1\r\n\r\n');
    expect((await atClient).error).toBe('ECONNRESET');
    expect((await atServer).data.length).toBe(0);
  });

  it('slow_close: the FIN arrives delayMs after the data', async () => {
    const w = await wrapped([fault({ type: 'slow_close', direction: 'downstream', delayMs: 250 })]);
    const t0 = performance.now();
    const first = new Promise<number>((r) => w.client.once('data', () => r(performance.now() - t0)));
    const atClient = collect(w.client);
    w.server.end('bye');
    expect(await first).toBeLessThan(100);
    const r = await atClient;
    expect(r.data.toString()).toBe('bye');
    expect(r.endedAtMs).toBeGreaterThanOrEqual(225);
  });

  it('slicer: one write arrives as many small ones, byte for byte', async () => {
    const w = await wrapped([fault({ type: 'slicer', direction: 'downstream', averageSize: 4, sizeVariation: 2, delayMs: 5 })]);
    const payload = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
    const atClient = collect(w.client);
    w.server.end(payload);
    const r = await atClient;
    expect(r.data.equals(payload)).toBe(true);
    expect(r.chunks).toBeGreaterThanOrEqual(6);
  });

  it('limit_data: passes exactly `bytes` bytes, then closes', async () => {
    const w = await wrapped([fault({ type: 'limit_data', direction: 'downstream', bytes: 10 })]);
    const atClient = collect(w.client);
    w.server.write('0123456789ABCDEFGHIJ');
    const r = await atClient;
    expect(r.data.toString()).toBe('0123456789');
    expect(r.error).toBeUndefined();
    expect(w.events).toMatchObject([{ action: 'close', reason: expect.stringMatching(/10 bytes/) }]);
  });

  it('idle_timeout: closes an idle connection, keeps a busy one', async () => {
    const idle = await wrapped([fault({ type: 'idle_timeout', idleMs: 150 })]);
    expect((await collect(idle.client)).endedAtMs).toBeGreaterThanOrEqual(130);
    const busy = await wrapped([fault({ type: 'idle_timeout', idleMs: 150 })]);
    const timer = setInterval(() => busy.server.write('.'), 40);
    const r = await within(busy.client, 400);
    clearInterval(timer);
    expect(r.ended).toBe(false);
    expect(r.data.length).toBeGreaterThanOrEqual(5);
  });

  it('reset_after_client_hello: the server gets the whole ClientHello, the client a reset in its handshake', async () => {
    const w = await wrapped([fault({ type: 'reset_after_client_hello' })]);
    const atServer = collect(w.server);
    const head = 'CONNECT cloud.example:443 HTTP/1.1\r\n\r\n';
    w.client.write(head);
    await new Promise((r) => setTimeout(r, 50));
    const secure = tls.connect({ socket: w.client, servername: 'cloud.example' });
    const failed = new Promise<string>((r) => secure.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? e.message)));
    expect(await failed).toBe('ECONNRESET');
    const got = (await atServer).data;
    expect(got.subarray(0, head.length).toString()).toBe(head);
    const hello = got.subarray(head.length);
    expect(hello[0]).toBe(22);
    expect(hello.length).toBe(5 + hello.readUInt16BE(3));
  });

  it('toxicity: a connection that does not draw the fault is the real socket, untouched', async () => {
    const w = await wrapped([fault({ type: 'reset_peer', direction: 'upstream', toxicity: 0.5 })], () => 0.9);
    expect(w.events).toEqual([]);
    const atServer = collect(w.server);
    w.client.end('fine');
    expect((await atServer).data.toString()).toBe('fine');
  });
});
