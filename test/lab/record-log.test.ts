import { describe, expect, it } from 'vitest';
import { RecordLog } from '../../src/lab/record-log.js';

describe('RecordLog', () => {
  it('keeps only the newest entries and behaves like an array', () => {
    const log = new RecordLog<number>(3);
    for (let i = 1; i <= 5; i++) log.push(i);
    expect([...log]).toEqual([3, 4, 5]);
    expect(log.at(-1)).toBe(5);
    const evens = log.filter((n) => n % 2 === 0);
    expect(evens).toEqual([4]);
    expect(evens).not.toBeInstanceOf(RecordLog);
  });
});
