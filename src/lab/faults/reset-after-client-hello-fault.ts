/**
 * reset_after_client_hello: pass the client's first TLS handshake record (its ClientHello),
 * then reset the connection: what a proxy or firewall that filters on SNI does.
 */
import { registerFault } from './fault-type.js';
import { TLS_HANDSHAKE, TlsRecordScanner } from './tls-record-scanner.js';

export const resetAfterClientHelloFault = registerFault({
  type: 'reset_after_client_hello',
  description: "reset the connection right after the client's ClientHello has passed",
  attributes: {},
  directions: ['upstream'],
  explain: () => 'resets the connection right after the ClientHello',
  create: () => {
    const scanner = new TlsRecordScanner();
    let done = false;
    return {
      data(chunk, pipe) {
        if (done) return;
        const hello = scanner.push(chunk).find((r) => r.type === TLS_HANDSHAKE);
        if (!hello) return pipe.forward(chunk);
        done = true;
        pipe.forward(chunk.subarray(0, hello.end));
        pipe.reset('reset_after_client_hello fault: reset after the ClientHello');
      },
    };
  },
});
