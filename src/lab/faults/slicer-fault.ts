/**
 * slicer: split every chunk into writes of averageSize ± sizeVariation bytes, delayMs apart
 * (a path that fragments: parsers that assume one read holds a whole head or record break).
 */
import { byteCount, durationMs, registerFault, sleep } from './fault-type.js';

export const slicerFault = registerFault({
  type: 'slicer',
  description: 'split writes into averageSize ± sizeVariation byte slices, delayMs apart',
  attributes: { averageSize: byteCount(1024 * 1024).min(1), sizeVariation: byteCount(1024 * 1024).default(0), delayMs: durationMs(10_000).default(0) },
  explain: (a) => `splits writes into ${a.averageSize}${a.sizeVariation ? ` ± ${a.sizeVariation}` : ''} byte slices${a.delayMs ? ` ${a.delayMs} ms apart` : ''}`,
  create: (a) => ({
    async data(chunk, pipe) {
      let at = 0;
      while (at < chunk.length && !pipe.signal.aborted) {
        const vary = a.sizeVariation ? Math.round((Math.random() * 2 - 1) * a.sizeVariation) : 0;
        const size = Math.max(1, a.averageSize + vary);
        pipe.forward(chunk.subarray(at, at + size));
        at += size;
        if (at < chunk.length) await sleep(a.delayMs, pipe.signal);
        // Each slice its own write: let the socket flush it before the next one.
        if (!a.delayMs) await new Promise<void>((r) => setImmediate(r));
      }
    },
  }),
});
