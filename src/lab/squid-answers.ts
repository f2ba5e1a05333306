/**
 * Sans-IO: the answers a real Squid 5.7 gives in the situations the built-in components also
 * meet, so that a lab component with `behaves: squid` answers as a customer's Squid would and
 * the probe is trained on what it will meet in the field (issue 9 §4). The shapes are the ones
 * captured from the real program (test/probe/fixtures/real-proxy-answers.txt, FACTS §7):
 *
 *   CONNECT denied by ACL            403 ERR_ACCESS_DENIED 0        (+ Via: 1.1 <host> (squid/5.7))
 *   target name does not resolve     500 ERR_CANNOT_FORWARD 0       (hosts_file + lab-only resolver)
 *   parent proxy down / unknown      500 ERR_CANNOT_FORWARD 0       (cache_peer + never_direct)
 *   target refused the connection    503 ERR_CONNECT_FAIL 111       (errno ECONNREFUSED)
 *   target did not answer in time    503 ERR_CONNECT_FAIL 110       (errno ETIMEDOUT: connect_timeout
 *                                    passed; 503, not 504, in the capture)
 *   http_access deny after the bump  403 (or deny_info's status) with the deny_info page's name
 *                                    (ERR_ATPNL_BLOCK), the page as written, inside the tunnel
 *   bumped, upstream TLS failed      503 ERR_SECURE_CONNECT_FAIL 0  (inside the sensor's tunnel)
 *   no credentials                   407 ERR_CACHE_ACCESS_DENIED 0  + Proxy-Authenticate: Basic
 *   no credentials, auth: "401"      401 401:ERR_CACHE_ACCESS_DENIED 0 + WWW-Authenticate: Basic
 *   no credentials, 403 + challenge  403 403:ERR_CACHE_ACCESS_DENIED 0 + Proxy-Authenticate: Basic
 *
 * Only the identifying parts are copied (status line, Server, X-Squid-Error, Via, the error
 * page's title and its `<!-- ERR_… -->` trailer); Squid's 3 KB stylesheet is left out.
 */

import http from 'node:http';

export const SQUID_VERSION = 'squid/5.7';

/** The situations in which a built-in component can answer like Squid. */
export type SquidSituation = 'denied' | 'name-unknown' | 'parent-failed' | 'refused' | 'timed-out' | 'upstream-tls-failed' | 'auth-required' | 'auth-401' | 'auth-403-challenge';

interface SquidAnswerShape {
  status: number;
  reason: string;
  errorId: string;
  errno: number;
  /** The error page's bold line (Squid's errors/templates/<ERR> text). */
  text: string;
  /** Squid adds `Via` to the answers it makes from a client's request (ACL and auth pages). */
  via: boolean;
}

const SHAPES: Record<SquidSituation, SquidAnswerShape> = {
  denied: { status: 403, reason: 'Forbidden', errorId: 'ERR_ACCESS_DENIED', errno: 0, text: 'Access Denied.', via: true },
  'name-unknown': { status: 500, reason: 'Internal Server Error', errorId: 'ERR_CANNOT_FORWARD', errno: 0, text: 'Unable to forward this request at this time.', via: false },
  'parent-failed': { status: 500, reason: 'Internal Server Error', errorId: 'ERR_CANNOT_FORWARD', errno: 0, text: 'Unable to forward this request at this time.', via: false },
  refused: { status: 503, reason: 'Service Unavailable', errorId: 'ERR_CONNECT_FAIL', errno: 111, text: 'Connection to the server failed.', via: false },
  'timed-out': { status: 503, reason: 'Service Unavailable', errorId: 'ERR_CONNECT_FAIL', errno: 110, text: 'Connection to the server failed.', via: false },
  'upstream-tls-failed': { status: 503, reason: 'Service Unavailable', errorId: 'ERR_SECURE_CONNECT_FAIL', errno: 0, text: 'Failed to establish a secure connection to the server.', via: true },
  'auth-required': { status: 407, reason: 'Proxy Authentication Required', errorId: 'ERR_CACHE_ACCESS_DENIED', errno: 0, text: 'Cache Access Denied.', via: true },
  // deny_info 401:/403:ERR_CACHE_ACCESS_DENIED (squid-config.ts misreportedAuth): the page is named with its status.
  'auth-401': { status: 401, reason: 'Unauthorized', errorId: '401:ERR_CACHE_ACCESS_DENIED', errno: 0, text: 'Cache Access Denied.', via: true },
  'auth-403-challenge': { status: 403, reason: 'Forbidden', errorId: '403:ERR_CACHE_ACCESS_DENIED', errno: 0, text: 'Cache Access Denied.', via: true },
};

/** The lab's deny_info template name for a scenario's block page (squid-config.ts writes it). */
export const SQUID_BLOCK_PAGE = 'ERR_ATPNL_BLOCK';

/**
 * The name deny_info gives a page: Squid prefixes it with the status when one is configured
 * (`deny_info 404:ERR_X` → `X-Squid-Error: 404:ERR_X 0`); 403 is its default and gets none.
 */
export function squidDenyInfoName(status: number, page: string): string {
  return status === 403 ? page : `${status}:${page}`;
}

/** Squid adds its scheme's challenge to a 407 (Proxy-) and a 401 (WWW-); the 403 one is reply_header_add's. */
const CHALLENGE_HEADER: Partial<Record<SquidSituation, string>> = { 'auth-required': 'Proxy-Authenticate', 'auth-401': 'WWW-Authenticate', 'auth-403-challenge': 'Proxy-Authenticate' };

export interface SquidAnswer {
  status: number;
  errorId: string;
  /** The whole HTTP/1.1 response, head and body. */
  raw: string;
}

/**
 * Squid's answer for `situation` on `url` (the CONNECT authority or the bumped request's URL),
 * generated by the proxy named `visibleHostname` (Squid's `visible_hostname`).
 */
export function squidAnswer(situation: SquidSituation, opts: { url: string; visibleHostname: string; realm?: string; date?: Date; page?: { status: number; body: string } }): SquidAnswer {
  const s = opts.page ? { ...SHAPES.denied, status: opts.page.status, errorId: squidDenyInfoName(opts.page.status, SQUID_BLOCK_PAGE) } : SHAPES[situation];
  const date = (opts.date ?? new Date()).toUTCString();
  const url = escapeHtml(opts.url);
  // A deny_info page is the template as written (Squid expands only its % codes).
  const body = opts.page ? opts.page.body :
    '<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n' +
    '<html><head>\n<meta type="copyright" content="Copyright (C) 1996-2022 The Squid Software Foundation and contributors">\n' +
    '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n<title>ERROR: The requested URL could not be retrieved</title>\n</head><body id="' +
    s.errorId +
    '">\n<div id="titles">\n<h1>ERROR</h1>\n<h2>The requested URL could not be retrieved</h2>\n</div>\n<hr>\n\n<div id="content">\n' +
    `<p>The following error was encountered while trying to retrieve the URL: <a href="${url}">${url}</a></p>\n\n` +
    `<blockquote id="error">\n<p><b>${s.text}</b></p>\n</blockquote>\n` +
    (s.errno ? `\n<p id="sysmsg">The system returned: <i>(${s.errno}) ${s.errno === 111 ? 'Connection refused' : 'Connection timed out'}</i></p>\n` : '') +
    `\n<p>Your cache administrator is <a href="mailto:webmaster">webmaster</a>.</p>\n<br>\n</div>\n\n<hr>\n<div id="footer">\n` +
    `<p>Generated ${date} by ${escapeHtml(opts.visibleHostname)} (${SQUID_VERSION})</p>\n<!-- ${s.errorId} -->\n</div>\n</body></html>\n`;
  const headers = [
    `HTTP/1.1 ${s.status} ${opts.page ? (http.STATUS_CODES[s.status] ?? 'Error') : s.reason}`,
    `Server: ${SQUID_VERSION}`,
    'Mime-Version: 1.0',
    `Date: ${date}`,
    'Content-Type: text/html;charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Squid-Error: ${s.errorId} ${s.errno}`,
    ...(CHALLENGE_HEADER[situation] ? [`${CHALLENGE_HEADER[situation]}: Basic realm="${opts.realm ?? 'atp-netlab'}"`] : []),
    // A page from error_directory is not language-negotiated.
    ...(opts.page ? [] : ['Vary: Accept-Language', 'Content-Language: en']),
    ...(s.via ? [`Via: 1.1 ${opts.visibleHostname} (${SQUID_VERSION})`] : []),
    'Connection: close',
  ];
  return { status: s.status, errorId: s.errorId, raw: `${headers.join('\r\n')}\r\n\r\n${body}` };
}

/** What a failed connect to the next hop is, in Squid's terms, from node's error code. */
export function squidConnectSituation(errorCode: string | undefined): SquidSituation {
  if (errorCode === 'ENOTFOUND' || errorCode === 'EAI_AGAIN') return 'name-unknown';
  if (errorCode === 'ETIMEDOUT') return 'timed-out';
  return 'refused';
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
