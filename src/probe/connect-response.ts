/**
 * Sans-IO: what a proxy's answer to CONNECT means for the sensor. Tested without sockets.
 */
import { BODY_EVIDENCE_BYTES, type HttpHead } from './evidence.js';
import type { ProbeCode, Responder } from './outcome.js';
import { attributeConnectAnswer, isUpstreamFailure, type ProxySignature } from './responder.js';

export interface ConnectResponseHead {
  status: number;
  reason: string;
  headers: Record<string, string>;
  /** Bytes after the head (a body, or the first bytes of the tunnel). */
  rest: Buffer;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_HEAD_BYTES = 64 * 1024;

/** Returns the head once complete, `undefined` while more bytes are needed; throws on garbage. */
export function parseConnectResponse(buf: Buffer): ConnectResponseHead | undefined {
  const end = buf.indexOf(HEAD_END);
  if (end < 0) {
    if (buf.length > MAX_HEAD_BYTES) throw new Error('proxy response head exceeds 64 KiB');
    if (buf.length >= 5 && !buf.subarray(0, 5).toString('latin1').startsWith('HTTP/')) throw new Error(`proxy did not answer HTTP (first bytes: ${JSON.stringify(buf.subarray(0, 16).toString('latin1'))})`);
    return undefined;
  }
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/\d(?:\.\d)?\s+(\d{3})\s*(.*)$/.exec(lines[0] ?? '');
  if (!m) throw new Error(`malformed status line from proxy: ${JSON.stringify(lines[0])}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(m[1]), reason: m[2] ?? '', headers, rest: buf.subarray(end + 4) };
}

export interface ConnectVerdict {
  ok: boolean;
  code?: ProbeCode;
  detail: string;
  responder: Responder;
}

/**
 * CONNECT answers by meaning (issue 9 §3): 407 wants credentials; 401 or 403 with a challenge
 * wants them the wrong way; 500, 502-504, 590-599 and a proxy's own upstream error (Squid
 * ERR_CANNOT_FORWARD / ERR_CONNECT_FAIL / ERR_DNS_FAIL, mitmproxy "Cannot connect to …") mean
 * the next hop failed; 403 and any other refusal are a policy denial.
 */
export function classifyConnectResponse(head: HttpHead, opts: { identity: string; proxy: string; target: string; hadCredentials: boolean }): ConnectVerdict {
  const { status } = head;
  const line = `${status} ${head.reason}`.trim();
  const who = attributeConnectAnswer(head, opts.proxy);
  const { signature, ...responder } = who;
  if (status >= 200 && status < 300) return { ok: true, detail: `${opts.proxy} tunnelled to ${opts.target} (${line})`, responder };
  const challenge = head.headers['proxy-authenticate'] ?? head.headers['www-authenticate'];
  const named = signature ? ` (${signature.name}${signature.errorId ? ` ${signature.errorId}` : ''})` : '';
  if (status === 407) {
    return {
      ok: false,
      code: 'PROXY_AUTH_REQUIRED',
      detail: `${opts.proxy} answered 407 Proxy Authentication Required${challenge ? ` (${challenge})` : ''}; ${opts.hadCredentials ? 'the credentials offered were refused' : `${opts.identity} has no credentials to answer it`}`,
      responder,
    };
  }
  if (status === 401 || (status === 403 && challenge)) {
    return {
      ok: false,
      code: 'PROXY_AUTH_MISREPORTED',
      detail: `${opts.proxy} answered ${line}${named}${challenge ? ` with challenge "${challenge}"` : ''} instead of 407: it wants credentials but says so in a way WinINET does not treat as a proxy challenge (the sensor reports "licensing issues")`,
      responder,
    };
  }
  // 590-599: proxy-chain (Apify) reports an upstream proxy's failure or refusal with these
  // non-standard gateway statuses (e.g. 590 UPSTREAM502); for the sensor it is the same thing.
  if (isUpstreamFailure(signature, status)) {
    return { ok: false, code: 'PROXY_UPSTREAM_FAILED', detail: `${opts.proxy} answered ${line}${named} for ${opts.target}: it could not reach the destination or its parent proxy${bodyHint(head, signature)}`, responder };
  }
  return { ok: false, code: 'PROXY_DENIED', detail: `${opts.proxy} refused CONNECT ${opts.target}: ${line}${named}${bodyHint(head, signature)}`, responder };
}

function bodyHint(head: HttpHead, sig: ProxySignature | undefined): string {
  // Squid's error page opens with ~3 KB of CSS: its identifier (quoted above) says more.
  if (sig?.errorId && /squid/i.test(sig.name)) return '';
  const text = /<title>([\s\S]*?)<\/title>/i.exec(head.body)?.[1] ?? head.body;
  const body = text.replace(/\s+/g, ' ').trim().slice(0, 160);
  return body ? ` ("${body}")` : '';
}

/** The head as evidence: the body's first bytes as text. */
export function headEvidence(head: ConnectResponseHead, bodyBytes = BODY_EVIDENCE_BYTES): HttpHead {
  return { status: head.status, reason: head.reason, headers: head.headers, body: head.rest.subarray(0, bodyBytes).toString('utf8') };
}
