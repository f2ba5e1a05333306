/**
 * The request channel of a component container, both ends over real streams (as over
 * `docker run -i` stdin/stdout): enroll reaches the component before the answer comes back,
 * records come back whole, a bad request is refused by name, and torn chunks still make lines.
 */
import type { ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ComponentChannel, serveChannel } from '../../../src/engines/docker/component-channel.js';
import { LineBuffer } from '../../../src/engines/docker/line-buffer.js';

function wired(target: Parameters<typeof serveChannel>[0]) {
  const stdin = new PassThrough();
  const channel = new ComponentChannel('atpnl-test-c2', () => ({ stdin }) as unknown as ChildProcess);
  // The container's stdout reaches the engine in chunks of any size: one byte at a time here.
  serveChannel(target, stdin, (line) => {
    for (const ch of line) channel.push(ch);
  });
  return channel;
}

describe('component channel', () => {
  it('enroll: the component holds the thumbprints once the answer is back; records come back', async () => {
    const enrolled = new Set<string>();
    const channel = wired({ enroll: (t) => [...t].forEach((x) => enrolled.add(x)), records: [{ enrolled: true, clientCertThumbprint: 'aa' }] });
    await channel.enroll(['aa', 'bb']);
    expect([...enrolled]).toEqual(['aa', 'bb']);
    expect(await channel.records()).toEqual([{ enrolled: true, clientCertThumbprint: 'aa' }]);
  });

  it('a component that enrolls nobody refuses, and the engine says which container', async () => {
    await expect(wired({ records: [] }).enroll(['aa'])).rejects.toThrow(/atpnl-test-c2 refused the enroll request: this component enrolls no sensors/);
  });

  it('LineBuffer: keeps a partial line, drops one past its bound', () => {
    const b = new LineBuffer(8);
    expect(b.push('ab')).toEqual([]);
    expect(b.push('c\nde')).toEqual(['abc']);
    expect(b.push('\n')).toEqual(['de']);
    expect(b.push('0123456789')).toEqual([]);
    expect(b.push('x\n')).toEqual(['x']);
  });
});
