/**
 * reset_peer: reset the connection (RST both ways) timeoutMs after the first bytes in the
 * direction; 0 resets at once and those bytes never arrive (a device that kills the flow).
 */
import { durationMs, registerFault, sleep } from './fault-type.js';

export const resetPeerFault = registerFault({
  type: 'reset_peer',
  description: 'reset the connection timeoutMs after the first bytes in the direction (0 = at once, dropping them)',
  attributes: { timeoutMs: durationMs().default(0) },
  explain: (a) => `resets the connection ${a.timeoutMs ? `${a.timeoutMs} ms after` : 'at'} the first bytes`,
  create: (a) => {
    let armed = false;
    return {
      data(chunk, pipe) {
        if (!a.timeoutMs) return pipe.reset('reset_peer fault: reset at the first bytes');
        pipe.forward(chunk);
        if (armed) return;
        armed = true;
        void sleep(a.timeoutMs, pipe.signal).then(() => pipe.reset(`reset_peer fault: reset ${a.timeoutMs} ms after the first bytes`));
      },
    };
  },
});
