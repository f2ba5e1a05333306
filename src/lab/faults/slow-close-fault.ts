/** slow_close: the sender's FIN reaches the receiver delayMs late (a device slow to tear down). */
import { durationMs, registerFault, sleep } from './fault-type.js';

export const slowCloseFault = registerFault({
  type: 'slow_close',
  description: "delay the sender's close (FIN) by delayMs",
  attributes: { delayMs: durationMs() },
  explain: (a) => `delays the close by ${a.delayMs} ms`,
  create: (a) => ({
    data: (chunk, pipe) => pipe.forward(chunk),
    async end(pipe) {
      await sleep(a.delayMs, pipe.signal);
      pipe.forwardEnd();
    },
  }),
});
