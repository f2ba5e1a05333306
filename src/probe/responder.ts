/**
 * Sans-IO: who gave an HTTP answer. A proxy or middlebox that answers in its own name leaves
 * its signature: Squid sets `Server: squid/5.7`, `Via: 1.1 host (squid/5.7)` and
 * `X-Squid-Error: ERR_… <errno>`; mitmproxy 8.1.1 sets `Server: mitmproxy 8.1.1` inside the
 * tunnel and answers a failed CONNECT with only a plain-text body ("Cannot connect to h:p:
 * …"). Captured from the real programs: test/probe/fixtures/real-proxy-answers.txt.
 *
 * The cloud is recognised by its own marker header when the caller names one (the lab cloud
 * sets `X-Atpnl-Lab-Cloud: 1`), by the cloud's own chain (only the holder of the cloud's key
 * can answer inside that TLS session), or, relayed through an inspecting middlebox, by the
 * known shape of its ping answer (200 `Ok`, a version number, or the legacy 503).
 */
import type { HttpHead } from './evidence.js';
import type { Responder } from './outcome.js';

/** A proxy's or middlebox's own answer, with its error identifier when it gives one. */
export interface ProxySignature {
  name: string;
  /** e.g. `ERR_SECURE_CONNECT_FAIL` (Squid) or mitmproxy's error text. */
  errorId?: string;
  evidence: string;
}

/** Squid error pages that mean "could not reach or talk to the next hop" (squid errors/templates). */
export const SQUID_UPSTREAM_ERRORS = new Set([
  'ERR_CANNOT_FORWARD',
  'ERR_CONNECT_FAIL',
  'ERR_DNS_FAIL',
  'ERR_READ_TIMEOUT',
  'ERR_READ_ERROR',
  'ERR_WRITE_ERROR',
  'ERR_GATEWAY_FAILURE',
  'ERR_SECURE_CONNECT_FAIL',
  'ERR_ZERO_SIZE_OBJECT',
  'ERR_LIFETIME_EXP',
]);
/** Squid error pages that are a policy decision. */
export const SQUID_DENIAL_ERRORS = new Set(['ERR_ACCESS_DENIED', 'ERR_FORWARDING_DENIED', 'ERR_CACHE_MGR_ACCESS_DENIED', 'ERR_TOO_BIG']);

// mitmproxy's own error texts (mitmproxy/proxy/layers/http and server connection errors).
const MITMPROXY_BODY = /(Cannot connect to \S+:|Certificate verify failed|TLS handshake failed|OpenSSL Error|Error connecting to server)/i;

function oneLine(s: string, max = 160): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, max);
}

/** The text of mitmproxy's error: the `<p>` of its HTML page, or its plain CONNECT body. */
function mitmproxyError(body: string): string | undefined {
  const p = /<p>([\s\S]*?)<\/p>/i.exec(body)?.[1] ?? body;
  const text = oneLine(p.replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
  return text || undefined;
}

export function proxySignature(head: HttpHead): ProxySignature | undefined {
  const server = head.headers['server'];
  const via = head.headers['via'];
  const squidError = head.headers['x-squid-error'];
  if (squidError || /squid/i.test(server ?? '') || /\(squid[^)]*\)/i.test(via ?? '')) {
    // A deny_info with a status (`401:ERR_CACHE_ACCESS_DENIED`) names its page with the prefix.
    const errorId = squidError?.split(/\s+/)[0]?.replace(/^\d{3}:/, '');
    const name = server && /squid/i.test(server) ? server : /\((squid[^)]*)\)/i.exec(via ?? '')?.[1] ?? 'squid';
    const evidence = [server ? `Server: ${server}` : '', via ? `Via: ${via}` : '', squidError ? `X-Squid-Error: ${squidError}` : ''].filter(Boolean).join('; ');
    return { name, ...(errorId ? { errorId } : {}), evidence };
  }
  if (/mitmproxy/i.test(server ?? '') || MITMPROXY_BODY.test(head.body)) {
    const errorId = head.status >= 400 ? mitmproxyError(head.body) : undefined;
    const evidence = server ? `Server: ${server}` : `body "${oneLine(head.body, 80)}" (mitmproxy's error text)`;
    return { name: server ?? 'mitmproxy', ...(errorId ? { errorId } : {}), evidence };
  }
  if (server || via) {
    // Some other proxy that names itself; no error identifier we know how to read.
    return { name: server ?? via!, evidence: [server ? `Server: ${server}` : '', via ? `Via: ${via}` : ''].filter(Boolean).join('; ') };
  }
  return undefined;
}

/** Whether a proxy's answer means its next hop failed (vs. a policy decision). */
export function isUpstreamFailure(sig: ProxySignature | undefined, status: number): boolean {
  if (sig?.errorId && SQUID_UPSTREAM_ERRORS.has(sig.errorId)) return true;
  if (sig?.errorId && SQUID_DENIAL_ERRORS.has(sig.errorId)) return false;
  if (sig && /mitmproxy/i.test(sig.name) && status === 502) return true;
  return status === 500 || status === 502 || status === 503 || status === 504 || (status >= 590 && status <= 599);
}

/** The real cloud's ping answers (FACTS §2, §8): 200 `Ok`, 200 with the sensor version, legacy 503. */
export function hasCloudPingShape(head: HttpHead): boolean {
  const body = head.body.trim();
  if (head.status === 200) return /^"?ok"?$/i.test(body) || /^"?\d+(\.\d+){1,3}"?$/.test(body);
  return head.status === 503;
}

export interface AttributionContext {
  /** The presented chain was re-signed (not the cloud's own). */
  inspected: boolean;
  /** Issuer of the presented chain, to name an anonymous middlebox. */
  issuer?: string;
  /** Lower-cased name of the cloud's marker header, when the caller knows one (lab). */
  cloudMarkerHeader?: string;
  purpose: 'ping' | 'auth';
}

/** Who answered inside the TLS session. */
export function attributeAnswer(head: HttpHead, ctx: AttributionContext): Responder & { signature?: ProxySignature } {
  const marker = ctx.cloudMarkerHeader?.toLowerCase();
  if (marker && head.headers[marker] !== undefined) return { kind: 'cloud', name: 'cloud', evidence: `${marker}: ${head.headers[marker]} (the cloud's own marker)` };
  const sig = proxySignature(head);
  // Via names a hop that forwarded the answer (RFC 9110 §7.6.3), not its author: a Squid that
  // bumps relays the cloud's 200 "Ok" with only its Via added, while its own answers carry
  // Server: squid or X-Squid-Error. Without the lab's marker (real mode), a Via alone is no
  // signature of who answered (seen first under the docker engine, Squid bumping).
  if (sig && (marker || !relayedOnly(head))) return { kind: ctx.inspected ? 'middlebox' : 'proxy', name: sig.name, evidence: sig.evidence, signature: sig };
  if (marker) {
    // The caller said how the cloud marks its answers, and this one is not marked.
    return ctx.inspected
      ? { kind: 'middlebox', name: ctx.issuer ?? 'inspecting middlebox', evidence: `no ${marker} header, on a chain re-signed by ${ctx.issuer ?? 'a middlebox'}` }
      : { kind: 'unknown', evidence: `no ${marker} header` };
  }
  if (!ctx.inspected) return { kind: 'cloud', name: 'cloud', evidence: "answered on the cloud's own verified chain" };
  // Real mode through inspection: the middlebox relays the cloud's answers, so the shape decides.
  if (ctx.purpose === 'ping' && hasCloudPingShape(head)) {
    return { kind: 'cloud', name: 'cloud', evidence: `the cloud's ping answer shape (${head.status}${head.body ? ` "${oneLine(head.body, 40)}"` : ''}), relayed through ${ctx.issuer ?? 'a middlebox'}` };
  }
  if (ctx.purpose === 'auth') return { kind: 'unknown', evidence: `no proxy signature, on a chain re-signed by ${ctx.issuer ?? 'a middlebox'}` };
  return { kind: 'middlebox', name: ctx.issuer ?? 'inspecting middlebox', evidence: `not the cloud's answer shape, on a chain re-signed by ${ctx.issuer ?? 'a middlebox'}` };
}

/** Only a Via says a proxy was there: no Server naming a proxy, no proxy error header. */
function relayedOnly(head: HttpHead): boolean {
  const server = head.headers['server'] ?? '';
  return head.headers['via'] !== undefined && head.headers['x-squid-error'] === undefined && !/squid|mitmproxy/i.test(server) && !MITMPROXY_BODY.test(head.body);
}

/** Who answered CONNECT: always the proxy on that hop, named by its own headers when it gives them. */
export function attributeConnectAnswer(head: HttpHead, proxy: string): Responder & { signature?: ProxySignature } {
  const sig = proxySignature(head);
  return sig ? { kind: 'proxy', name: sig.name, evidence: sig.evidence, signature: sig } : { kind: 'proxy', name: proxy, evidence: `answered CONNECT on ${proxy}` };
}
