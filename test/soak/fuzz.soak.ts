/**
 * The fuzz suite's bigger run: the same generators and checks as test/fuzz/hostile-inputs.test.ts,
 * many more cases, a seed per run. Bounded in count (FUZZ_RUNS, default 5000) and time
 * (FUZZ_MINUTES, default 20).
 *
 *   npm run soak:fuzz
 *   FUZZ_RUNS=50000 FUZZ_SEED=42 npm run soak:fuzz
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeInput } from '../../src/cli/commands/decode.js';
import { AtpNetlabError } from '../../src/errors.js';
import { loadScenarioFile } from '../../src/scenario/load-scenario.js';
import { hostileRegFile, hostileScenarioFile } from '../fuzz/hostile-generators.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 5_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const BUDGET_MS = Number(process.env.FUZZ_MINUTES ?? 20) * 60_000;

describe(`fuzz soak (seed ${SEED}, ${RUNS} runs each)`, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atp-fuzz-soak-'));
  const started = Date.now();
  const check = (e: unknown) => {
    if (!(e instanceof AtpNetlabError)) throw e;
    expect(e.location.file).toBeDefined();
  };

  it('scenarios', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(hostileScenarioFile, async ({ bytes }) => {
        const file = path.join(dir, `s-${n++ % 64}.yaml`);
        fs.writeFileSync(file, bytes);
        await loadScenarioFile(file).catch(check);
      }),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: BUDGET_MS / 2, markInterruptAsFailure: false },
    );
    process.stderr.write(`scenarios: ${n} cases in ${Date.now() - started} ms (seed ${SEED})\n`);
  });

  it('.reg files', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(hostileRegFile, async (bytes) => {
        const file = path.join(dir, `r-${n++ % 64}.reg`);
        fs.writeFileSync(file, bytes);
        await decodeInput(file).catch(check);
      }),
      { seed: SEED + 1, numRuns: RUNS, interruptAfterTimeLimit: BUDGET_MS / 2, markInterruptAsFailure: false },
    );
    process.stderr.write(`.reg files: ${n} cases (seed ${SEED + 1})\n`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
