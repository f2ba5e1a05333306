/**
 * The TLS step as the sensor does it: TLS 1.2+, the host's trust, the sensor's certificate
 * when it has one, and everything seen written into the TLS evidence (the chain before node's
 * own verification can destroy the socket, version, cipher, alerts received and sent, a
 * session ticket). Shared by the probe's check (collect-evidence.ts) and the load fleet's
 * long-lived connections (load/simulated-sensor.ts), so both name a handshake the same way.
 */
import net from 'node:net';
import tls from 'node:tls';
import { analyzeChain, type ExpectedChain } from './chain-analysis.js';
import type { TlsEvidence } from './evidence.js';
import { secureContextFor } from './secure-context-cache.js';
import { receivedAlertName, sentAlertName } from './tls-errors.js';

export interface HandshakeOptions {
  host: string;
  trustedCaPems: string[];
  clientCert?: { certPem: string; keyPem: string };
  expected: ExpectedChain;
  timeoutMs: number;
  /** Called with the TLS socket as soon as it exists (the caller owns its destruction). */
  onSocket?: (s: tls.TLSSocket) => void;
}

/** Resolves with the socket once the handshake completed and verified, else undefined; `t` says why. */
export function tlsHandshake(raw: net.Socket, o: HandshakeOptions, t: TlsEvidence): Promise<tls.TLSSocket | undefined> {
  return new Promise((resolve) => {
    const s = tls.connect({
      socket: raw,
      servername: net.isIP(o.host) ? undefined : o.host,
      secureContext: secureContextFor(o.trustedCaPems, o.clientCert),
      minVersion: 'TLSv1.2',
      ALPNProtocols: ['http/1.1'],
    });
    o.onSocket?.(s);
    s.once('session', () => {
      t.sessionTicket = true;
    });
    // The chain must be read before node's own verification runs (it destroys the socket on
    // failure), so that an untrusted re-signed chain can still be named in the outcome.
    s.prependListener('secure', () => {
      const chain = analyzeChain(s.getPeerCertificate(true), o.expected);
      if (chain) t.chain = chain;
      const version = s.getProtocol();
      if (version) t.version = version;
      const cipher = s.getCipher()?.name;
      if (cipher) t.cipher = cipher;
    });
    const timer = setTimeout(() => {
      t.timedOut = true;
      t.error = { message: `no TLS handshake within ${o.timeoutMs} ms` };
      s.destroy();
      resolve(undefined);
    }, o.timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      t.ok = true;
      resolve(s);
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      t.error = { ...(e.code ? { code: e.code } : {}), message: e.message };
      const alert = receivedAlertName(e.code);
      if (alert) t.alertsReceived.push({ name: alert, when: 'handshake', errorCode: e.code! });
      const sent = sentAlertName(e.code);
      if (sent) t.alertSent = sent;
      resolve(undefined);
    });
  });
}
