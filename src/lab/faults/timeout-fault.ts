/**
 * timeout: stop passing data, hold the connection open for timeoutMs, then close it (0: hold
 * until a side gives up). It starts at once, after afterBytes bytes in the direction, or,
 * with afterHandshake, once the client has finished its TLS handshake (its first
 * application_data record): a stall in the middle of a response.
 */
import { z } from 'zod';
import { byteCount, durationMs, registerFault, sleep, type FaultPipe } from './fault-type.js';

export const timeoutFault = registerFault({
  type: 'timeout',
  description: 'stop data (optionally after afterBytes bytes or after the TLS handshake), hold, then close after timeoutMs (0 = never)',
  attributes: { timeoutMs: durationMs(), afterBytes: byteCount().optional(), afterHandshake: z.boolean().optional() },
  explain: (a) =>
    `stops data${a.afterBytes !== undefined ? ` after ${a.afterBytes} bytes` : ''}${a.afterHandshake ? ' once the TLS handshake is done' : ''} and ${a.timeoutMs ? `closes the connection ${a.timeoutMs} ms later` : 'holds the connection open'}`,
  create: (a) => {
    let passed = 0;
    let held = false;
    const hold = (pipe: FaultPipe) => {
      held = true;
      pipe.report(`timeout fault: stopped the data after ${passed} bytes${a.afterHandshake ? ' past the TLS handshake' : ''}`);
      if (a.timeoutMs) void sleep(a.timeoutMs, pipe.signal).then(() => pipe.close(`timeout fault: held for ${a.timeoutMs} ms, then closed`));
    };
    return {
      data(chunk, pipe, conn) {
        if (held) return;
        if (a.afterHandshake && !conn.clientHandshakeDone) return pipe.forward(chunk);
        const allowed = Math.max(0, (a.afterBytes ?? 0) - passed);
        const part = chunk.subarray(0, allowed);
        passed += part.length;
        if (part.length) pipe.forward(part);
        if (passed >= (a.afterBytes ?? 0)) hold(pipe);
      },
      // A held direction keeps its FIN too: the receiver sees a stall, not a close.
      end(pipe) {
        if (!held) pipe.forwardEnd();
      },
    };
  },
});
