/**
 * The bounded in-suite form of the lab soak (test/soak/lab-load.ts): three short rounds through
 * the forward proxy (direct and chained), early client closes, and the intercepting middlebox.
 * Every check must end as it should, and the open-fd count must come back to the first round's.
 * The 5-round, 1,000-connection form with RSS runs under `npm run soak:lab`.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runLabSoak } from '../soak/lab-load.js';
import { testPki } from '../helpers/lab-fixtures.js';

describe.skipIf(!fs.existsSync('/proc/self/fd'))('lab load soak (bounded)', () => {
  it('3 rounds of 80 connections: every check ends as expected and no fd is left behind', async () => {
    const rounds = await runLabSoak(await testPki(), { rounds: 3, connectionsPerRound: 80, concurrency: 16, roundTimeoutMs: 20_000 });
    for (const r of rounds) {
      // Each kind of connection is a quarter of the round; an intercepting middlebox that
      // re-signs breaks mutual authentication, which the soak expects and counts.
      expect(r.outcomes).toEqual({ 'ok:OK': 20, 'chained:OK': 20, aborted: 20, 'inspected:INSPECTION_BREAKS_MUTUAL_AUTH': 20 });
    }
    expect(rounds[2]!.fds).toBeLessThanOrEqual(rounds[0]!.fds + 4);
  }, 90_000);
});
