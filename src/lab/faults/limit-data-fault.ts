/** limit_data: pass `bytes` bytes in the direction, then close the connection (a volume cap). */
import { byteCount, registerFault } from './fault-type.js';

export const limitDataFault = registerFault({
  type: 'limit_data',
  description: 'close the connection once `bytes` bytes have passed in the direction',
  attributes: { bytes: byteCount() },
  explain: (a) => `closes the connection after ${a.bytes} bytes`,
  create: (a) => {
    let passed = 0;
    return {
      data(chunk, pipe) {
        const part = chunk.subarray(0, Math.max(0, a.bytes - passed));
        passed += part.length;
        if (part.length) pipe.forward(part);
        if (passed >= a.bytes) pipe.close(`limit_data fault: closed after ${a.bytes} bytes`);
      },
    };
  },
});
