import { defineConfig } from 'vitest/config';

/** Soak runs: long, not part of `npm test`. `npm run soak:fuzz` (README, Reliability). */
export default defineConfig({
  test: {
    include: ['test/soak/**/*.soak.ts'],
    testTimeout: 30 * 60_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
  },
});
