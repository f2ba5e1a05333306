/** The README's codes table is the PROBE_CODES table, row for row. */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROBE_CODES } from '../../src/probe/outcome.js';

describe('PROBE_CODES', () => {
  it('README.md lists every code with its step and meaning, in order', () => {
    const rows = fs
      .readFileSync('README.md', 'utf8')
      .split('\n')
      .map((l) => /^\| (—|host|route|dns|tcp|proxy|tls|http) \| `([A-Z_]+)` \| (.*) \|$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => ({ step: m[1] === '—' ? null : m[1], code: m[2], meaning: m[3] }));
    expect(rows).toEqual(Object.entries(PROBE_CODES).map(([code, v]) => ({ step: v.step, code, meaning: v.meaning })));
  });
});
