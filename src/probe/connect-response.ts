/**
 * Sans-IO: what a proxy's answer to CONNECT means for the sensor. Tested without sockets.
 */
import type { ProbeCode } from './outcome.js';

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
}

export function classifyConnectResponse(head: ConnectResponseHead, opts: { identity: string; proxy: string; target: string; hadCredentials: boolean }): ConnectVerdict {
  const { status } = head;
  const line = `${status} ${head.reason}`.trim();
  if (status >= 200 && status < 300) return { ok: true, detail: `${opts.proxy} tunnelled to ${opts.target} (${line})` };
  const challenge = head.headers['proxy-authenticate'] ?? head.headers['www-authenticate'];
  if (status === 407) {
    return {
      ok: false,
      code: 'PROXY_AUTH_REQUIRED',
      detail: `${opts.proxy} answered 407 Proxy Authentication Required${challenge ? ` (${challenge})` : ''}; ${opts.hadCredentials ? 'the credentials offered were refused' : `${opts.identity} has no credentials to answer it`}`,
    };
  }
  if (status === 401 || (status === 403 && challenge)) {
    return {
      ok: false,
      code: 'PROXY_AUTH_MISREPORTED',
      detail: `${opts.proxy} answered ${line}${challenge ? ` with challenge "${challenge}"` : ''} instead of 407: it wants credentials but says so in a way WinINET does not treat as a proxy challenge (the sensor reports "licensing issues")`,
    };
  }
  // 590-599: proxy-chain (Apify) reports an upstream proxy's failure or refusal with these
  // non-standard gateway statuses (e.g. 590 UPSTREAM502); for the sensor it is the same thing.
  if (status === 502 || status === 503 || status === 504 || (status >= 590 && status <= 599)) {
    return { ok: false, code: 'PROXY_UPSTREAM_FAILED', detail: `${opts.proxy} answered ${line} for ${opts.target}: it could not reach the destination${bodyHint(head)}` };
  }
  return { ok: false, code: 'PROXY_DENIED', detail: `${opts.proxy} refused CONNECT ${opts.target}: ${line}${bodyHint(head)}` };
}

function bodyHint(head: ConnectResponseHead): string {
  const body = head.rest.toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 160);
  return body ? ` ("${body}")` : '';
}
