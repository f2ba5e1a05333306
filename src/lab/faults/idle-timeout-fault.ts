/**
 * idle_timeout: close a connection on which no byte moved, either way, for idleMs (a
 * firewall or middlebox that drops idle long-lived connections; the sensor's is long-lived).
 */
import { z } from 'zod';
import { registerFault, sleep } from './fault-type.js';

export const idleTimeoutFault = registerFault({
  type: 'idle_timeout',
  description: 'close the connection after idleMs without data in either direction',
  attributes: { idleMs: z.number().int().min(1).max(3_600_000), reset: z.boolean().default(false).describe('reset (RST) instead of closing (FIN)') },
  explain: (a) => `${a.reset ? 'resets' : 'closes'} the connection after ${a.idleMs} ms idle`,
  create: (a) => ({
    start(pipe, conn) {
      void (async () => {
        while (!pipe.signal.aborted) {
          const idleFor = performance.now() - conn.lastActivityMs;
          if (idleFor >= a.idleMs) {
            const why = `idle_timeout fault: no data for ${a.idleMs} ms`;
            return a.reset ? pipe.reset(why) : pipe.close(why);
          }
          await sleep(a.idleMs - idleFor, pipe.signal);
        }
      })();
    },
    data: (chunk, pipe) => pipe.forward(chunk),
  }),
});
