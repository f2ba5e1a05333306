/**
 * One TLS secure context per (trust store, client certificate). Building a context parses
 * every trusted root and the key, which costs more CPU than the handshake itself when a run
 * makes hundreds of checks with the same trust; the sensor's own TLS stack caches it too.
 */
import crypto from 'node:crypto';
import tls from 'node:tls';

const MAX_CONTEXTS = 32;
const contexts = new Map<string, tls.SecureContext>();

export function secureContextFor(trustedCaPems: string[], clientCert?: { certPem: string; keyPem: string }): tls.SecureContext {
  const h = crypto.createHash('sha256');
  for (const p of trustedCaPems) h.update(p).update('\0');
  h.update('|').update(clientCert?.certPem ?? '').update('\0').update(clientCert?.keyPem ?? '');
  const key = h.digest('hex');
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = tls.createSecureContext({ ca: trustedCaPems, ...(clientCert ? { cert: clientCert.certPem, key: clientCert.keyPem } : {}), minVersion: 'TLSv1.2' });
    if (contexts.size >= MAX_CONTEXTS) contexts.delete(contexts.keys().next().value!);
    contexts.set(key, ctx);
  }
  return ctx;
}
