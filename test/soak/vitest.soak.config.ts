import { defineConfig } from 'vitest/config';

/** Soak runs: long, not part of `npm test`. `npm run soak:fuzz`, `npm run soak:lab` (README, Reliability). */
export default defineConfig({
  test: {
    include: ['test/soak/**/*.soak.ts'],
    testTimeout: 30 * 60_000,
    pool: 'forks',
    // The lab soak measures what stays held: let it collect garbage before each reading.
    execArgv: ['--expose-gc'],
    globalSetup: ['test/global-setup.ts'],
  },
});
