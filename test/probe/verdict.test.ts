/**
 * The verdict from evidence alone, no sockets: one row per situation, every probe code at
 * least once. Proxy answers come from real Squid 5.7 and mitmproxy 8.1.1 captures
 * (real-proxy-answers.ts); TLS errors are node's own codes for what those peers send.
 */
import { describe, expect, it } from 'vitest';
import type { ChainFacts } from '../../src/probe/chain-analysis.js';
import type { ConnectEvidence, HopAttempt, HttpExchange, HttpHead, ProbeEvidence, TlsEvidence } from '../../src/probe/evidence.js';
import { PROBE_CODE_NAMES, stepOf, type ProbeCode, type ProbeOutcome, type ProbeStep } from '../../src/probe/outcome.js';
import { applyRevocationPolicy } from '../../src/probe/revocation-policy.js';
import { verdict } from '../../src/probe/verdict.js';
import type { RouteHop } from '../../src/route.js';
import { captured } from './real-proxy-answers.js';

const H = 'contosoatpsensorapi.atp.azure.com';
const MARK = 'x-atpnl-lab-cloud';
const CLOUD_CHAIN: ChainFacts = { subject: H, issuer: 'Microsoft Azure TLS Issuing CA 05', top: 'DigiCert Global Root G2', names: [H, 'Microsoft Azure TLS Issuing CA 05'], inspected: false };
const INSPECTED: ChainFacts = { subject: H, issuer: 'Capture Inspection CA', top: 'Capture Inspection CA', names: [H], inspected: true };
const PROXY: RouteHop = { kind: 'PROXY', host: 'corp-proxy', port: 3128 };

const head = (status: number, body = '', headers: Record<string, string> = {}, reason = ''): HttpHead => ({ status, reason, headers, body });
const cloud = (status: number, body: string): HttpHead => head(status, body, { [MARK]: '1', 'content-type': 'text/plain' });
const direct = (): HopAttempt => ({ hop: { kind: 'DIRECT' }, dns: { name: H, addresses: ['20.1.2.3'] }, tcp: { port: 443, address: '20.1.2.3' } });
const viaProxy = (connect: Partial<ConnectEvidence>): HopAttempt => ({
  hop: PROXY,
  dns: { name: 'corp-proxy', addresses: ['10.0.0.8'] },
  tcp: { port: 3128, address: '10.0.0.8' },
  connect: { proxy: 'corp-proxy:3128', target: `${H}:443`, hadCredentials: false, ...connect },
});
const tunnel = () => viaProxy({ response: head(200, '', {}, 'Connection established') });
const tlsOk = (chain: ChainFacts = CLOUD_CHAIN, extra: Partial<TlsEvidence> = {}): TlsEvidence => ({ ok: true, version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', chain, alertsReceived: [], hadClientCert: true, ...extra });
const tlsFail = (code: string, chain?: ChainFacts, extra: Partial<TlsEvidence> = {}): TlsEvidence => ({ ok: false, ...(chain ? { chain } : {}), alertsReceived: [], error: { code, message: code }, hadClientCert: true, ...extra });
const ping = (x: Partial<HttpExchange>): HttpExchange => ({ purpose: 'ping', path: '/tri/sensor/api/ping', timeoutMs: 10_000, ...x });
const auth = (x: Partial<HttpExchange>): HttpExchange => ({ purpose: 'auth', path: '/tri/sensor/api/lab/authenticated', timeoutMs: 10_000, ...x });

function ev(over: Partial<ProbeEvidence> = {}): ProbeEvidence {
  return {
    url: `https://${H}/tri/sensor/api/ping`,
    host: H,
    port: 443,
    identity: 'LocalService',
    route: { failed: false, candidates: [{ kind: 'DIRECT' }], source: 'wininet-static', notes: [] },
    attempts: [direct()],
    tls: tlsOk(),
    http: [ping({ response: cloud(200, 'Ok') }), auth({ response: cloud(200, 'Ok') })],
    checks: 'full',
    authCheckPath: '/tri/sensor/api/lab/authenticated',
    cloudMarkerHeader: MARK,
    timings: { dns: 1, tcp: 2, tls: 5, http: 3 },
    durationMs: 11,
    ...over,
  };
}
/** Real mode: no marker header, the ping-only check `atp-netlab probe` runs. */
const real = (over: Partial<ProbeEvidence>): ProbeEvidence => {
  const e = ev({ checks: 'ping', ...over });
  delete e.cloudMarkerHeader;
  delete e.authCheckPath;
  return e;
};

interface Row {
  name: string;
  evidence: ProbeEvidence;
  code: ProbeCode;
  step?: ProbeStep;
  detail?: RegExp[];
  notDetail?: RegExp[];
  responder?: Partial<NonNullable<ProbeOutcome['responder']>> | null;
  /** A policy applied after the verdict (revocation), as the runner does. */
  after?: (o: ProbeOutcome) => void;
}

const SQUID_BUMP_503 = captured('squid bump: cloud TLS 1.2 demands a client cert squid does not hold');
const MITM_UNTRUSTED = captured("mitmproxy: does not trust the cloud's CA");
const MITM_TLS12_CERT = captured('mitmproxy (trusting the cloud CA): cloud TLS 1.2 demands a client cert');

const ROWS: Row[] = [
  { name: 'lab: ping 200 Ok and the authenticated call 200, both marked by the cloud', evidence: ev(), code: 'OK', responder: { kind: 'cloud' } },
  {
    name: 'real: legacy 503 on the cloud\'s own chain is the cloud\'s answer',
    evidence: real({ http: [ping({ response: head(503, 'Service Unavailable') })] }),
    code: 'OK',
    detail: [/legacy workspace/],
    responder: { kind: 'cloud', evidence: "answered on the cloud's own verified chain" },
  },
  {
    name: 'real: 200 "Ok" relayed through an inspecting middlebox is the cloud (shape), with the ping-only warning',
    evidence: real({ tls: tlsOk(INSPECTED), http: [ping({ response: head(200, 'Ok') })] }),
    code: 'OK',
    responder: { kind: 'cloud' },
  },
  {
    name: 'real: 200 with a version number is the current era\'s answer, and the outcome says which',
    evidence: real({ http: [ping({ response: head(200, '2.251.19142.29040') })] }),
    code: 'OK',
    detail: [/version-200: the latest sensor version number/],
    after: (o) => expect(o.pingAnswer).toBe('version-200'),
  },
  {
    name: 'real: 200 with free text is no era\'s answer (a captive portal, a web filter page)',
    evidence: real({ http: [ping({ response: head(200, '<html>Welcome to the guest network</html>') })] }),
    code: 'HTTP_STATUS',
    detail: [/v2-wininet accepts 503, 200 "Ok", 200 a version number/],
  },
  {
    name: 'v3: /cnc/identity/api answering 500 from the cloud is reachable',
    evidence: real({ sensor: 'v3', url: `https://${H}/cnc/identity/api`, http: [ping({ path: '/cnc/identity/api', response: head(500, 'Internal Server Error') })] }),
    code: 'OK',
    detail: [/v3-cnc-500/],
    after: (o) => {
      expect(o.pingAnswer).toBe('v3-cnc-500');
      expect(o.sensor).toBe('v3');
    },
  },
  {
    name: 'v2: a 500 from the ping is a failure (only v3\'s test path reads 500 as reachable)',
    evidence: real({ http: [ping({ response: head(500, 'Internal Server Error') })] }),
    code: 'HTTP_STATUS',
  },
  {
    name: 'v3: a 500 from a middlebox (marked lab evidence without the cloud header) is not reachable',
    evidence: ev({ sensor: 'v3', checks: 'ping', http: [ping({ path: '/cnc/identity/api', response: head(500, 'Internal Server Error', {}) })] }),
    code: 'HTTP_STATUS',
    after: (o) => expect(o.pingAnswer).toBeUndefined(),
  },
  {
    name: 'v3: a 407 is PROXY_AUTH_UNSUPPORTED, not a missing credential',
    evidence: ev({ sensor: 'v3', attempts: [viaProxy({ response: head(407, '', { 'proxy-authenticate': 'Basic realm="corp"' }, 'Proxy Authentication Required') })], tls: undefined, http: [] }),
    code: 'PROXY_AUTH_UNSUPPORTED',
    step: 'proxy',
    detail: [/does not support proxy user authentication/],
  },
  {
    name: 'v3: 401 with a challenge is PROXY_AUTH_UNSUPPORTED too',
    evidence: ev({ sensor: 'v3', attempts: [viaProxy({ response: head(401, '', { 'www-authenticate': 'NTLM' }, 'Unauthorized') })], tls: undefined, http: [] }),
    code: 'PROXY_AUTH_UNSUPPORTED',
  },
  ...(['HOST_UPDATER_PORT_BLOCKED', 'HOST_UPDATER_NOT_LISTENING', 'HOST_DOTNET_TLS_VALUES', 'HOST_ROOT_MISSING'] as const).map((code) => ({
    name: `a failed host prerequisite decides at step host, before the network (${code})`,
    evidence: ev({ hostChecks: [{ check: 'dotnet-tls' as const, status: 'ok' as const, detail: 'fine' }, { check: 'updater-port' as const, status: 'failed' as const, code, detail: 'as checked' }] }),
    code,
    step: 'host' as const,
    detail: [/^updater-port: as checked/],
  })),
  {
    name: 'an indeterminate host check never fails the check',
    evidence: ev({ hostChecks: [{ check: 'updater-port', status: 'indeterminate', detail: 'EPERM' }] }),
    code: 'OK',
  },
  {
    name: 'clock skew: the cloud answered, but its Date is 10 minutes behind the host',
    evidence: ev({ checkClockSkew: true, http: [ping({ response: cloud(200, 'Ok'), receivedAtMs: Date.parse('Thu, 03 Dec 2026 12:10:00 GMT'), roundTripMs: 20 }), auth({ response: cloud(200, 'Ok') })].map((x, i) => (i === 0 ? { ...x, response: { ...x.response!, headers: { ...x.response!.headers, date: 'Thu, 03 Dec 2026 12:00:00 GMT' } } } : x)) }),
    code: 'HOST_CLOCK_SKEW',
    step: 'host',
    detail: [/600 s ahead of the cloud's Date/],
  },
  {
    name: 'clock skew within five minutes is fine',
    evidence: ev({ checkClockSkew: true, http: [ping({ response: { ...cloud(200, 'Ok'), headers: { date: 'Thu, 03 Dec 2026 12:00:00 GMT', 'x-atpnl-lab-cloud': '1' } }, receivedAtMs: Date.parse('Thu, 03 Dec 2026 12:04:00 GMT'), roundTripMs: 20 }), auth({ response: cloud(200, 'Ok') })] }),
    code: 'OK',
  },
  { name: 'PAC script not found', evidence: ev({ route: { failed: true, code: 'ROUTE_PAC_UNAVAILABLE', detail: 'wpad.contoso.com: NXDOMAIN', source: 'wpad' }, attempts: [] }), code: 'ROUTE_PAC_UNAVAILABLE', step: 'route' },
  { name: 'PAC script threw', evidence: ev({ route: { failed: true, code: 'ROUTE_PAC_ERROR', detail: 'FindProxyForURL threw', source: 'pac' }, attempts: [] }), code: 'ROUTE_PAC_ERROR', step: 'route' },
  { name: 'NXDOMAIN', evidence: ev({ attempts: [{ hop: { kind: 'DIRECT' }, dns: { name: H, errorCode: 'ENOTFOUND', message: `${H}: ENOTFOUND` } }], tls: undefined, http: [] }), code: 'DNS_NOT_FOUND', detail: [/does not resolve/] },
  {
    name: 'no DNS server answered (EAI_AGAIN) is not NXDOMAIN',
    evidence: ev({ attempts: [{ hop: { kind: 'DIRECT' }, dns: { name: H, errorCode: 'EAI_AGAIN', message: `${H}: EAI_AGAIN` } }], tls: undefined, http: [] }),
    code: 'DNS_UNAVAILABLE',
    detail: [/no DNS server answered/, /says nothing about whether the name exists/],
    notDetail: [/does not resolve/],
  },
  { name: 'firewall drop', evidence: ev({ attempts: [{ ...direct(), tcp: { port: 443, errorCode: 'ETIMEDOUT', message: 'no answer within 5000 ms' } }], tls: undefined, http: [] }), code: 'TCP_TIMEOUT' },
  { name: 'firewall reject', evidence: ev({ attempts: [{ ...direct(), tcp: { port: 443, errorCode: 'ECONNREFUSED', message: 'ECONNREFUSED' } }], tls: undefined, http: [] }), code: 'TCP_REFUSED' },
  {
    name: 'Squid 407 Basic',
    evidence: ev({ attempts: [viaProxy({ response: head(407, '', { server: 'squid/5.7', 'proxy-authenticate': 'Basic realm="Squid proxy-caching web server"', 'x-squid-error': 'ERR_CACHE_ACCESS_DENIED 0' }, 'Proxy Authentication Required') })], tls: undefined, http: [] }),
    code: 'PROXY_AUTH_REQUIRED',
    detail: [/LocalService has no credentials/],
    responder: { kind: 'proxy', name: 'squid/5.7' },
  },
  { name: 'proxy answers 401 instead of 407', evidence: ev({ attempts: [viaProxy({ response: head(401, '', { 'www-authenticate': 'NTLM' }, 'Unauthorized') })], tls: undefined, http: [] }), code: 'PROXY_AUTH_MISREPORTED', detail: [/licensing issues/] },
  {
    name: 'Squid 403 ERR_ACCESS_DENIED on CONNECT (captured)',
    evidence: ev({ attempts: [viaProxy({ response: captured('squid forward: CONNECT denied by ACL (raw)') })], tls: undefined, http: [] }),
    code: 'PROXY_DENIED',
    detail: [/ERR_ACCESS_DENIED/],
    responder: { kind: 'proxy', name: 'squid/5.7' },
  },
  {
    name: 'a reset right after CONNECT, and the proxy\'s log says it denied (deny_info TCP_RESET)',
    evidence: ev({
      attempts: [viaProxy({ ending: { kind: 'reset', bytesReceived: 0, message: 'read ECONNRESET' } })],
      tls: undefined,
      http: [],
      reports: [{ source: 'squid access.log', kind: 'policy-denied', detail: 'TCP_DENIED/403 CONNECT contosoatpsensorapi.atp.azure.com:443' }],
    }),
    code: 'PROXY_DENIED',
    detail: [/policy denial/, /TCP_DENIED/],
  },
  {
    name: 'Squid 500 ERR_CANNOT_FORWARD (unknown name) is an upstream failure, not a denial (captured)',
    evidence: ev({ attempts: [viaProxy({ response: captured('squid forward: CONNECT to an unknown name (raw)') })], tls: undefined, http: [] }),
    code: 'PROXY_UPSTREAM_FAILED',
    detail: [/500/, /ERR_CANNOT_FORWARD/],
    responder: { kind: 'proxy', name: 'squid/5.7' },
  },
  {
    name: 'Squid 503 ERR_CONNECT_FAIL (target refused, captured)',
    evidence: ev({ attempts: [viaProxy({ response: captured('squid forward: CONNECT target refused') })], tls: undefined, http: [] }),
    code: 'PROXY_UPSTREAM_FAILED',
    detail: [/ERR_CONNECT_FAIL/],
  },
  {
    name: 'mitmproxy 502 on CONNECT to a name it cannot resolve (captured: no Server header, its error text)',
    evidence: ev({ attempts: [viaProxy({ response: captured('mitmproxy: CONNECT to a name it cannot resolve (raw)') })], tls: undefined, http: [] }),
    code: 'PROXY_UPSTREAM_FAILED',
    detail: [/Cannot connect to nosuch.test:19445/],
    responder: { kind: 'proxy', name: 'mitmproxy' },
  },
  {
    name: 'a reset after CONNECT with no word from the proxy stays PROXY_CLOSED, and says a policy reset is possible',
    evidence: ev({ attempts: [viaProxy({ ending: { kind: 'reset', bytesReceived: 0, message: 'read ECONNRESET' } })], tls: undefined, http: [] }),
    code: 'PROXY_CLOSED',
    detail: [/deny_info TCP_RESET/],
  },
  { name: 'proxy closed without a status line', evidence: ev({ attempts: [viaProxy({ ending: { kind: 'closed', bytesReceived: 0 } })], tls: undefined, http: [] }), code: 'PROXY_CLOSED', detail: [/without a status line/] },
  { name: 'proxy silent after CONNECT', evidence: ev({ attempts: [viaProxy({ ending: { kind: 'stalled', bytesReceived: 0, message: '10000 ms' } })], tls: undefined, http: [] }), code: 'PROXY_TIMEOUT' },
  { name: 'inspection CA not trusted', evidence: ev({ attempts: [tunnel()], tls: tlsFail('SELF_SIGNED_CERT_IN_CHAIN', INSPECTED), http: [] }), code: 'TLS_UNTRUSTED_CERT', detail: [/Capture Inspection CA/] },
  { name: 'expired certificate', evidence: ev({ tls: tlsFail('CERT_HAS_EXPIRED', CLOUD_CHAIN), http: [] }), code: 'TLS_CERT_EXPIRED' },
  {
    name: 'revocation enforced and unreachable (the revocation policy, after the verdict)',
    evidence: ev(),
    code: 'TLS_REVOCATION_UNREACHABLE',
    after: (o) => applyRevocationPolicy(o, [{ url: 'http://crl.microsoft.com/pki/crl/products/MicRooCerAut2011_2011_03_22.crl', host: 'crl.microsoft.com', reachable: false, step: 'proxy', code: 'PROXY_DENIED', route: 'PROXY corp-proxy:3128', detail: 'denied' }], 'enforce'),
  },
  { name: 'certificate for another name', evidence: ev({ tls: tlsFail('ERR_TLS_CERT_ALTNAME_INVALID', CLOUD_CHAIN), http: [] }), code: 'TLS_HOSTNAME_MISMATCH' },
  {
    name: 'TLS 1.0/1.1-only peer: the sensor sends protocol_version',
    evidence: ev({ tls: tlsFail('ERR_SSL_UNSUPPORTED_PROTOCOL', undefined, { alertSent: 'protocol_version' }), http: [] }),
    code: 'TLS_PROTOCOL_VERSION',
    detail: [/sent alert protocol_version/],
  },
  {
    name: 'TLS 1.3 certificate_required received after the handshake is reported as received',
    evidence: ev({
      tls: tlsOk(CLOUD_CHAIN, { alertsReceived: [{ name: 'certificate_required', when: 'after-handshake', errorCode: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' }], hadClientCert: false }),
      http: [ping({ errorCode: 'UND_ERR_SOCKET', socketError: { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', message: 'certificate required' }, ending: { kind: 'closed', bytesReceived: 0 } })],
    }),
    code: 'TLS_CLIENT_CERT_REJECTED',
    step: 'tls',
    detail: [/TLS alert certificate_required received after the handshake/],
    notDetail: [/inferred/, /no TLS alert/],
  },
  {
    name: 'a server that hangs up right after the handshake without an alert: inferred, and marked so',
    evidence: ev({ http: [ping({ errorCode: 'UND_ERR_SOCKET', ending: { kind: 'closed', bytesReceived: 0 } })] }),
    code: 'TLS_CLIENT_CERT_REJECTED',
    detail: [/inferred: no TLS alert was received/],
  },
  { name: 'no handshake in time', evidence: ev({ tls: { ok: false, alertsReceived: [], timedOut: true, error: { message: 'no TLS handshake within 10000 ms' }, hadClientCert: true }, http: [] }), code: 'TLS_HANDSHAKE_FAILED' },
  {
    name: 'a handshake_failure alert received in the handshake is named as received',
    evidence: ev({ tls: tlsFail('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', undefined, { alertsReceived: [{ name: 'handshake_failure', when: 'handshake', errorCode: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' }] }), http: [] }),
    code: 'TLS_HANDSHAKE_FAILED',
    detail: [/TLS alert handshake_failure received in the handshake/],
  },
  {
    name: 'lab: the cloud itself answers 401 to the authenticated call through a re-signed chain',
    evidence: ev({ attempts: [tunnel()], tls: tlsOk(INSPECTED), http: [ping({ response: cloud(200, 'Ok') }), auth({ response: cloud(401, 'Sensor certificate required') })] }),
    code: 'INSPECTION_BREAKS_MUTUAL_AUTH',
    detail: [/authenticated call answered 401/, /from the cloud/],
    responder: { kind: 'cloud' },
  },
  {
    name: 'Squid/mitmproxy stall after the cloud\'s TLS 1.3 certificate_required: broken mutual auth, not HTTP_TIMEOUT (captured: 0 bytes in 6 s)',
    evidence: ev({ attempts: [tunnel()], tls: tlsOk(INSPECTED), http: [ping({ errorCode: 'UND_ERR_HEADERS_TIMEOUT', ending: { kind: 'stalled', bytesReceived: 0 } })] }),
    code: 'INSPECTION_BREAKS_MUTUAL_AUTH',
    detail: [/certificate_required/, /inferred/],
  },
  {
    name: 'a close without an answer on a re-signed chain (the lab middlebox)',
    evidence: ev({ attempts: [tunnel()], tls: tlsOk(INSPECTED), http: [ping({ errorCode: 'UND_ERR_SOCKET', ending: { kind: 'closed', bytesReceived: 0 } })] }),
    code: 'INSPECTION_BREAKS_MUTUAL_AUTH',
  },
  {
    name: 'an anonymous block page on a re-signed chain (no cloud marker): inferred mutual-auth failure, answered by the middlebox',
    evidence: ev({ attempts: [tunnel()], tls: tlsOk(INSPECTED), http: [ping({ response: head(403, 'Access denied by SSL inspection', { 'content-type': 'text/plain' }, 'Forbidden') })] }),
    code: 'INSPECTION_BREAKS_MUTUAL_AUTH',
    detail: [/Access denied by SSL inspection/, /inferred/],
    responder: { kind: 'middlebox', name: 'Capture Inspection CA' },
  },
  {
    name: 'real, ping-only: Squid bump 503 ERR_SECURE_CONNECT_FAIL inside the tunnel is NOT the legacy 503 (captured)',
    evidence: real({ attempts: [tunnel()], tls: tlsOk(INSPECTED), http: [ping({ response: SQUID_BUMP_503 })] }),
    code: 'INSPECTION_UPSTREAM_FAILED',
    detail: [/ERR_SECURE_CONNECT_FAIL/, /not from the cloud/],
    notDetail: [/legacy/],
    responder: { kind: 'middlebox', name: 'squid/5.7' },
  },
  {
    name: 'lab, full: the same Squid 503 with the cloud marker absent',
    evidence: ev({ attempts: [tunnel()], tls: tlsOk(INSPECTED), http: [ping({ response: SQUID_BUMP_503 })] }),
    code: 'INSPECTION_UPSTREAM_FAILED',
  },
  {
    name: 'mitmproxy 502 "Certificate verify failed" (it does not trust the cloud, captured)',
    evidence: real({ attempts: [tunnel()], tls: tlsOk(INSPECTED), http: [ping({ response: MITM_UNTRUSTED })] }),
    code: 'INSPECTION_UPSTREAM_FAILED',
    detail: [/Certificate verify failed: unable to get local issuer certificate/],
    responder: { kind: 'middlebox', name: 'mitmproxy 8.1.1' },
  },
  {
    name: 'mitmproxy 502 with the cloud\'s handshake_failure (TLS 1.2 client certificate demanded, captured)',
    evidence: real({ attempts: [tunnel()], tls: tlsOk(INSPECTED), http: [ping({ response: MITM_TLS12_CERT })] }),
    code: 'INSPECTION_UPSTREAM_FAILED',
    detail: [/sslv3 alert handshake failure/],
  },
  {
    name: 'Squid 403 ERR_ACCESS_DENIED served after the bump: a policy block by the middlebox, not mutual auth',
    evidence: ev({ attempts: [tunnel()], tls: tlsOk(INSPECTED), http: [ping({ response: { ...captured('squid forward: CONNECT denied by ACL (raw)'), body: '' } })] }),
    code: 'PROXY_DENIED',
    step: 'http',
    notDetail: [/mutual/],
    responder: { kind: 'middlebox', name: 'squid/5.7' },
  },
  { name: 'the cloud answers the ping 500', evidence: ev({ http: [ping({ response: cloud(500, 'Lab fault') })] }), code: 'HTTP_STATUS', detail: [/ping answered 500/] },
  {
    name: 'lab: a 200 that the cloud did not mark is never OK',
    evidence: ev({ http: [ping({ response: head(200, 'Ok') })] }),
    code: 'HTTP_STATUS',
    detail: [/not from the cloud/],
    responder: { kind: 'unknown' },
  },
  { name: 'the cloud never answers (its own chain)', evidence: ev({ http: [ping({ errorCode: 'UND_ERR_HEADERS_TIMEOUT', ending: { kind: 'stalled', bytesReceived: 0 } })] }), code: 'HTTP_TIMEOUT' },
  {
    name: 'a stall in the middle of an answer: HTTP_TIMEOUT with the bytes received so far',
    evidence: ev({ http: [ping({ errorCode: 'UND_ERR_HEADERS_TIMEOUT', ending: { kind: 'stalled', bytesReceived: 17, tlsBytesReceived: 60, afterMs: 10_000 } })] }),
    code: 'HTTP_TIMEOUT',
    detail: [/before the stall: 17 bytes of the answer received, 60 bytes of TLS records/],
  },
  {
    name: 'a close long after the request (an idle timeout on the path) is not a rejected certificate',
    evidence: ev({ timings: { tls: 20 }, http: [ping({ errorCode: 'UND_ERR_SOCKET', ending: { kind: 'closed', bytesReceived: 0, tlsBytesReceived: 500, afterMs: 900, message: 'other side closed' } })] }),
    code: 'HTTP_CONNECTION_CLOSED',
    detail: [/closed 900 ms after GET/, /0 bytes of the answer received; 500 bytes of TLS data/],
    notDetail: [/certificate/],
  },
  {
    name: 'a close right after the request, as soon as the handshake took, stays the inferred certificate rejection',
    evidence: ev({ timings: { tls: 20 }, http: [ping({ errorCode: 'UND_ERR_SOCKET', ending: { kind: 'closed', bytesReceived: 0, afterMs: 30 } })] }),
    code: 'TLS_CLIENT_CERT_REJECTED',
    detail: [/inferred/],
  },
  { name: 'watchdog while DNS was running: the resolver did not answer', evidence: ev({ attempts: [{ hop: { kind: 'DIRECT' } }], tls: undefined, http: [], watchdog: { step: 'dns', totalMs: 30_000 } }), code: 'DNS_UNAVAILABLE', detail: [/watchdog/] },
];

describe('verdict (sans-IO)', () => {
  it('the table covers every probe code', () => {
    const covered = new Set(ROWS.map((r) => r.code));
    expect(PROBE_CODE_NAMES.filter((c) => !covered.has(c))).toEqual([]);
  });

  it.each(ROWS.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const o = verdict(row.evidence);
    row.after?.(o);
    expect(o.code).toBe(row.code);
    expect(o.step).toBe(row.step ?? (row.code === 'OK' ? 'http' : stepOf(row.code)));
    expect(o.reachable).toBe(row.code === 'OK');
    for (const re of row.detail ?? []) expect(o.detail).toMatch(re);
    for (const re of row.notDetail ?? []) expect(o.detail).not.toMatch(re);
    if (row.responder) expect(o.responder).toMatchObject(row.responder);
    expect(o.timings).toEqual(row.evidence.timings);
    expect(o.durationMs).toBe(row.evidence.durationMs);
  });

  it('an outcome decided by an HTTP answer (CONNECT or inside TLS) names its responder; dns/tcp/tls outcomes name none', () => {
    let named = 0;
    for (const r of ROWS) {
      const o = verdict(r.evidence);
      const byAnswer =
        (o.step === 'http' && r.evidence.http.some((x) => x.response)) || (o.step === 'proxy' && r.evidence.attempts.at(-1)?.connect?.response !== undefined);
      if (byAnswer) {
        expect(o.responder, r.name).toBeDefined();
        named++;
      }
      if (['route', 'dns', 'tcp', 'tls'].includes(o.step)) expect(o.responder, r.name).toBeUndefined();
    }
    expect(named).toBeGreaterThan(15);
  });

  it('is pure: the same evidence, the same outcome, and the evidence is not changed', () => {
    for (const r of ROWS) {
      const before = JSON.stringify(r.evidence);
      expect(verdict(r.evidence), r.name).toEqual(verdict(r.evidence));
      expect(JSON.stringify(r.evidence)).toBe(before);
    }
  });

  it('a ping-only check through inspection warns that it cannot see mutual authentication', () => {
    const o = verdict(real({ tls: tlsOk(INSPECTED), http: [ping({ response: head(200, 'Ok') })] }));
    expect(o.warnings?.[0]).toMatch(/ping-only/);
  });

  it('a PAC candidate that cannot be reached is noted, the next one decides', () => {
    const first: HopAttempt = { hop: PROXY, dns: { name: 'corp-proxy', errorCode: 'ENOTFOUND', message: 'corp-proxy: ENOTFOUND' } };
    const o = verdict(ev({ attempts: [first, direct()] }));
    expect(o).toMatchObject({ code: 'OK', route: 'DIRECT' });
    expect(o.detail).toContain('PROXY corp-proxy:3128 failed (DNS_NOT_FOUND), tried the next PAC entry');
  });
});
