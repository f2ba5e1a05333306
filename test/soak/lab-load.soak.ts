/**
 * `npm run soak:lab`: 5 rounds of 1,000 connections each through the lab's forward proxies and
 * middlebox (test/soak/lab-load.ts), printing fds and RSS per round. Passes only when neither
 * grows: fds back to round 1's, RSS within 32 MiB of round 1's (GC is exposed for the soak, so
 * what stays is what is held).
 */
import { describe, expect, it } from 'vitest';
import { runLabSoak } from './lab-load.js';
import { testPki } from '../helpers/lab-fixtures.js';

const ROUNDS = Number(process.env.SOAK_ROUNDS ?? 5);
const PER_ROUND = Number(process.env.SOAK_CONNECTIONS ?? 1_000);

describe('lab load soak', () => {
  it(`${ROUNDS} rounds of ${PER_ROUND} connections: no growth in fds or RSS`, async () => {
    const rounds = await runLabSoak(await testPki(), {
      rounds: ROUNDS,
      connectionsPerRound: PER_ROUND,
      concurrency: 50,
      roundTimeoutMs: 120_000,
      onRound: (r) => process.stderr.write(`soak round ${r.round}/${ROUNDS}: ${r.elapsedMs} ms, fds ${r.fds}, rss ${r.rssMiB} MiB, ${JSON.stringify(r.outcomes)}\n`),
    });
    const first = rounds[0]!;
    const last = rounds.at(-1)!;
    console.table(rounds.map((r) => ({ round: r.round, ms: r.elapsedMs, fds: r.fds, rssMiB: r.rssMiB })));
    for (const r of rounds) expect(Object.keys(r.outcomes).filter((k) => k.startsWith('error:') || k.endsWith(':TCP_TIMEOUT'))).toEqual([]);
    expect(last.fds).toBeLessThanOrEqual(first.fds + 4);
    expect(last.rssMiB - first.rssMiB).toBeLessThanOrEqual(32);
  });
});
