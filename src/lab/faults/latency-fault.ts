/** latency: every chunk in the direction waits latencyMs ± jitterMs (a slow or long link). */
import { durationMs, registerFault, sleep } from './fault-type.js';

export const latencyFault = registerFault({
  type: 'latency',
  description: 'delay every chunk by latencyMs ± jitterMs',
  attributes: { latencyMs: durationMs(60_000), jitterMs: durationMs(60_000).default(0) },
  explain: (a) => `delays data by ${a.latencyMs}${a.jitterMs ? ` ± ${a.jitterMs}` : ''} ms`,
  create: (a) => ({
    async data(chunk, pipe) {
      const jitter = a.jitterMs ? (Math.random() * 2 - 1) * a.jitterMs : 0;
      await sleep(Math.max(0, Math.round(a.latencyMs + jitter)), pipe.signal);
      pipe.forward(chunk);
    },
  }),
});
