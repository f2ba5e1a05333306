/** bandwidth: at most rateKBps kilobytes per second in the direction (a thin WAN link). */
import { z } from 'zod';
import { registerFault, sleep } from './fault-type.js';

/** The rate is enforced in ticks of this length: small enough to look smooth, few timers. */
const TICK_MS = 50;

export const bandwidthFault = registerFault({
  type: 'bandwidth',
  description: 'limit the direction to rateKBps kilobytes per second',
  attributes: { rateKBps: z.number().int().min(1).max(10 * 1024 * 1024) },
  explain: (a) => `limits data to ${a.rateKBps} KB/s`,
  create: (a) => {
    const perTick = Math.max(1, Math.floor((a.rateKBps * 1024 * TICK_MS) / 1000));
    return {
      async data(chunk, pipe) {
        for (let at = 0; at < chunk.length && !pipe.signal.aborted; at += perTick) {
          pipe.forward(chunk.subarray(at, at + perTick));
          await sleep(TICK_MS, pipe.signal);
        }
      },
    };
  },
});
