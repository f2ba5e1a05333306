/**
 * Sans-IO: the outcome of one check, from its evidence alone. No sockets, no clock, no
 * exceptions for network results; the same evidence always gives the same outcome, so every
 * rule is tested from a table (test/probe/verdict.test.ts).
 *
 *   route failed ─────────────────────────────▶ ROUTE_*
 *   each candidate: dns ─▶ tcp ─▶ CONNECT ────▶ DNS_* / TCP_* / PROXY_*   (dns/tcp: next PAC entry)
 *   tls ───────────────────────────────────────▶ TLS_*                      (alerts named as received)
 *   http: ping, then the authenticated call ──▶ OK only when the cloud answered;
 *         a middlebox's own answer ───────────▶ INSPECTION_UPSTREAM_FAILED / PROXY_DENIED / HTTP_STATUS
 *         no answer on a re-signed chain ────▶ INSPECTION_BREAKS_MUTUAL_AUTH (inferred)
 */
import { classifyPingAnswer, PING_ANSWERS, SENSOR_GENERATIONS, type PingAnswerId } from '../catalog/index.js';
import { formatHop } from '../route.js';
import { checkClockSkew, type ClockSkewResult } from './host/clock-skew.js';
import { chainDetail } from './chain-analysis.js';
import { classifyConnectResponse } from './connect-response.js';
import type { ConnectEvidence, HopAttempt, HttpExchange, HttpHead, ProbeEvidence, TlsEvidence } from './evidence.js';
import { PROBE_CODES, stepOf, type ProbeCode, type ProbeOutcome, type ProbeStep, type Responder } from './outcome.js';
import { attributeAnswer, isUpstreamFailure, SQUID_DENIAL_ERRORS, type ProxySignature } from './responder.js';
import { classifyTlsError } from './tls-errors.js';

interface Decision {
  reachable: boolean;
  step: ProbeStep;
  code: ProbeCode;
  detail: string;
  responder?: Responder;
  httpStatus?: number;
  pingAnswer?: PingAnswerId;
  warnings?: string[];
  clock?: ClockSkewResult;
}

const fail = (code: ProbeCode, detail: string, extra: Partial<Decision> = {}): Decision => ({ reachable: false, step: stepOf(code), code, detail, ...extra });

export function verdict(ev: ProbeEvidence): ProbeOutcome {
  const notes: string[] = ev.route.failed ? [] : [...ev.route.notes];
  const last = ev.attempts.at(-1);
  const d = decide(ev, notes);
  const chain = ev.tls?.chain;
  return {
    reachable: d.reachable,
    step: d.step,
    code: d.code,
    inspected: chain?.inspected ?? false,
    route: last ? formatHop(last.hop) : 'DIRECT',
    detail: [d.detail, chainDetail(chain), ...notes].filter(Boolean).join('; '),
    durationMs: ev.durationMs,
    timings: { ...ev.timings },
    routeSource: ev.route.source,
    ...(chain ? { issuer: chain.issuer } : {}),
    ...(d.httpStatus !== undefined ? { httpStatus: d.httpStatus } : {}),
    ...(d.pingAnswer ? { pingAnswer: d.pingAnswer } : {}),
    ...(ev.sensor ? { sensor: ev.sensor } : {}),
    ...connectStatusOf(last?.connect),
    ...(ev.tls?.version ? { tlsVersion: ev.tls.version } : {}),
    ...(ev.tls?.cipher ? { tlsCipher: ev.tls.cipher } : {}),
    ...(d.responder ? { responder: d.responder } : {}),
    ...(d.warnings?.length ? { warnings: d.warnings } : {}),
    ...(d.clock ? { hostClock: { status: d.clock.status, detail: d.clock.detail, ...(d.clock.skewMs !== undefined ? { skewMs: d.clock.skewMs, uncertaintyMs: d.clock.uncertaintyMs! } : {}) } } : {}),
  };
}

/** The CONNECT answer as raw evidence: the status line the proxy sent, or how it ended without one. */
function connectStatusOf(c: ConnectEvidence | undefined): { connectStatus?: string } {
  if (c?.response) return { connectStatus: `${c.response.status} ${c.response.reason}`.trim() };
  if (c?.ending) return { connectStatus: `no status line (${c.ending.kind} after ${c.ending.bytesReceived} bytes)` };
  return {};
}

function decide(ev: ProbeEvidence, notes: string[]): Decision {
  // A broken host prerequisite fails every check of the identity, whatever the network does.
  const host = ev.hostChecks?.find((h) => h.status === 'failed' && h.code);
  // The network is still judged under a host failure (its notes dropped): the clock can only
  // be read from an answer the cloud itself gave.
  const d = decideNetwork(ev, host ? [] : notes);
  const clock = d.reachable && ev.checkClockSkew ? clockOf(ev) : undefined;
  const withClock = clock ? { clock } : {};
  if (host?.code) {
    // HOST_CERT_ENROLL_BLOCKED is an installer finding (triage), never a check's outcome.
    const code: ProbeCode = host.code in PROBE_CODES ? (host.code as ProbeCode) : 'HTTP_STATUS';
    return fail(code, `${host.check}: ${host.detail}`, { step: 'host', ...withClock });
  }
  if (clock?.status === 'failed') return fail('HOST_CLOCK_SKEW', `the cloud answered, but ${clock.detail}`, { step: 'host', clock });
  return { ...d, ...withClock };
}

/** The host clock judged by the cloud's own ping answer (its Date header); undefined without one. */
function clockOf(ev: ProbeEvidence): ClockSkewResult | undefined {
  const ping = ev.http.find((x) => x.purpose === 'ping');
  if (!ping?.response || ping.receivedAtMs === undefined) return undefined;
  return checkClockSkew({ dateHeader: ping.response.headers['date'], receivedAtMs: ping.receivedAtMs, roundTripMs: ping.roundTripMs ?? 0 });
}

function decideNetwork(ev: ProbeEvidence, notes: string[]): Decision {
  if (ev.route.failed) return fail(ev.route.code, ev.route.detail, { step: 'route' });
  for (const [i, attempt] of ev.attempts.entries()) {
    const f = attemptFailure(attempt, ev);
    const isLast = i === ev.attempts.length - 1;
    if (f && !isLast) {
      // WinINET moves to the next PAC entry only when it cannot reach the hop at all.
      notes.push(`${formatHop(attempt.hop)} failed (${f.code}), tried the next PAC entry`);
      continue;
    }
    if (f) return f;
  }
  if (ev.watchdog && ev.watchdog.step !== 'http') return watchdogDecision(ev);
  if (!ev.tls) return fail('TLS_HANDSHAKE_FAILED', 'no TLS handshake was attempted');
  const tlsFail = tlsFailure(ev.tls);
  if (tlsFail) return tlsFail;
  return httpDecision(ev);
}

function watchdogDecision(ev: ProbeEvidence): Decision {
  const w = ev.watchdog!;
  const code: ProbeCode = ({ host: 'HOST_UPDATER_PORT_BLOCKED', route: 'ROUTE_PAC_UNAVAILABLE', dns: 'DNS_UNAVAILABLE', tcp: 'TCP_TIMEOUT', proxy: 'PROXY_TIMEOUT', tls: 'TLS_HANDSHAKE_FAILED', http: 'HTTP_TIMEOUT' } as const)[w.step];
  return fail(code, `watchdog: the ${w.step} step did not finish within the check's ${w.totalMs} ms deadline`, { step: w.step });
}

/** What a failed dns or tcp step means (shared with the revocation check). */
export function dialFailure(a: Pick<HopAttempt, 'hop' | 'dns' | 'tcp'>, targetHost: string): Decision | undefined {
  const what = a.hop.kind === 'DIRECT' ? targetHost : `proxy ${a.hop.host}`;
  if (a.dns?.errorCode === 'EAI_AGAIN') return fail('DNS_UNAVAILABLE', `${what}: no DNS server answered (${a.dns.message ?? a.dns.errorCode}); this says nothing about whether the name exists`);
  if (a.dns?.errorCode) return fail('DNS_NOT_FOUND', `${what} does not resolve (${a.dns.message ?? a.dns.errorCode})`);
  if (a.tcp && (a.tcp.errorCode || !a.tcp.address)) {
    const code: ProbeCode = a.tcp.errorCode === 'ECONNREFUSED' ? 'TCP_REFUSED' : 'TCP_TIMEOUT';
    return fail(code, `${what}:${a.tcp.port}: ${a.tcp.message ?? 'no address'}`);
  }
  return undefined;
}

function attemptFailure(a: HopAttempt, ev: ProbeEvidence): Decision | undefined {
  const what = a.hop.kind === 'DIRECT' ? ev.host : `proxy ${a.hop.host}`;
  // Steps cut short by the check's deadline are the watchdog's (an aborted connect included).
  if (ev.watchdog && (!a.dns || (!a.dns.errorCode && !a.tcp) || a.tcp?.errorCode === 'EABORTED')) return watchdogDecision(ev);
  if (!a.dns) return fail('DNS_NOT_FOUND', `${what}: no lookup was made`);
  const dialed = dialFailure(a, ev.host);
  if (dialed) return dialed;
  if (!a.tcp) return fail('TCP_TIMEOUT', `${what}: no connection was attempted`);
  if (a.hop.kind === 'DIRECT') return undefined;
  if (!a.connect) return ev.watchdog ? watchdogDecision(ev) : fail('PROXY_CLOSED', `${what}: no CONNECT was sent`);
  return connectFailure(a.connect, ev);
}

function connectFailure(c: ConnectEvidence, ev: ProbeEvidence): Decision | undefined {
  if (c.response) {
    const v = classifyConnectResponse(c.response, { identity: ev.identity, proxy: c.proxy, target: c.target, hadCredentials: c.hadCredentials });
    if (v.ok) return undefined;
    if (ev.sensor === 'v3' && (v.code === 'PROXY_AUTH_REQUIRED' || v.code === 'PROXY_AUTH_MISREPORTED')) {
      // v3 connects through Defender for Endpoint, which cannot answer a user-authenticating
      // proxy at all (configure-device-connectivity.md): a design limit, not missing credentials.
      return fail('PROXY_AUTH_UNSUPPORTED', `${v.detail}; the v3 sensor (Defender for Endpoint connectivity, WinHTTP as LocalSystem) does not support proxy user authentication: exempt its URLs from authentication`, { responder: v.responder, httpStatus: c.response.status });
    }
    return fail(v.code!, v.detail, { responder: v.responder, httpStatus: c.response.status });
  }
  const e = c.ending;
  if (!e) return ev.watchdog ? watchdogDecision(ev) : fail('PROXY_CLOSED', `${c.proxy} gave no answer to CONNECT ${c.target}`);
  if (e.kind === 'stalled') return fail('PROXY_TIMEOUT', `${c.proxy} did not answer CONNECT within ${e.message ?? 'the deadline'}`);
  if (e.kind === 'garbage') return fail('PROXY_CLOSED', `${c.proxy}: ${e.message ?? 'not an HTTP answer'}`);
  const denial = ev.reports?.find((r) => r.kind === 'policy-denied');
  if (e.kind === 'reset' && e.bytesReceived === 0 && denial) {
    return fail('PROXY_DENIED', `${c.proxy} reset the connection right after CONNECT ${c.target}, and ${denial.source} says it was a policy denial: ${denial.detail}`, {
      responder: { kind: 'proxy', name: c.proxy, evidence: `${denial.source}: ${denial.detail}` },
    });
  }
  if (e.kind === 'reset') {
    return fail(
      'PROXY_CLOSED',
      `${c.proxy} reset the connection during CONNECT ${c.target}${e.message ? `: ${e.message}` : ''}${e.bytesReceived === 0 ? ' (a reset right after CONNECT is also how a proxy can deny by policy, e.g. Squid deny_info TCP_RESET: check its access log, or give it to probe --proxy-log)' : ''}`,
    );
  }
  return fail('PROXY_CLOSED', `${c.proxy} closed the connection without a status line (CONNECT ${c.target})`);
}

function tlsFailure(t: TlsEvidence): Decision | undefined {
  if (t.ok) return undefined;
  if (t.timedOut) return fail('TLS_HANDSHAKE_FAILED', t.error?.message ?? 'no TLS handshake within the deadline');
  const err = t.error ?? { message: 'the TLS handshake failed' };
  const c = classifyTlsError({ code: err.code, message: err.message, afterHandshake: false, presentedClientCert: t.hadClientCert });
  const alert = t.alertsReceived.find((a) => a.when === 'handshake');
  const sent = t.alertSent ? `; the sensor sent alert ${t.alertSent}` : '';
  return fail(c.code, `${c.detail}${alert ? `; TLS alert ${alert.name} received in the handshake` : ''}${sent}`, { step: 'tls' });
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 120);
}

function quoteBody(h: HttpHead): string {
  const text = /<title>([\s\S]*?)<\/title>/i.exec(h.body)?.[1] ?? h.body;
  return text ? ` ("${oneLine(text)}")` : '';
}

function httpDecision(ev: ProbeEvidence): Decision {
  const chain = ev.tls!.chain;
  const inspected = chain?.inspected ?? false;
  const warnings: string[] = [];
  const ping = ev.http.find((x) => x.purpose === 'ping');
  if (!ping) return ev.watchdog ? watchdogDecision(ev) : fail('HTTP_STATUS', 'no request was sent');
  const pingAnswer = answered(ping, ev);
  if ('decision' in pingAnswer) return pingAnswer.decision;
  const { head, responder } = pingAnswer;
  const withResponder = { responder, httpStatus: head.status };
  if (responder.kind !== 'cloud') return middleboxAnswer(ping, pingAnswer, ev, withResponder);
  // Only the cloud's own answer gets here (a middlebox's went to middleboxAnswer above).
  const generation = ev.sensor ?? 'v2-wininet';
  const era = classifyPingAnswer(generation, ping.path, head.status, head.body);
  if (!era) {
    const accepted = SENSOR_GENERATIONS[generation].testPath === ping.path ? `; ${generation} accepts ${eraList(generation)}` : '';
    return fail('HTTP_STATUS', `GET ${ping.path} answered ${head.status}${head.body ? ` ("${oneLine(head.body)}")` : ''}${accepted}`, withResponder);
  }
  const pingText = `GET ${ping.path} answered ${head.status}${head.body ? ` ${JSON.stringify(oneLine(head.body))}` : ''} (${era.id}: ${ERA_LABEL[era.id]})`;
  const withEra = { ...withResponder, pingAnswer: era.id };
  const auth = ev.http.find((x) => x.purpose === 'auth');
  if (ev.checks === 'ping' || !ev.authCheckPath) {
    // The browser-test trap: a ping through an inspecting middlebox answers 200 even when
    // the middlebox breaks the sensor's mutual authentication.
    if (inspected) warnings.push("inspected: the chain was re-signed by a middlebox; a ping-only test (like a browser) cannot show whether the cloud receives the sensor's certificate");
    return { reachable: true, step: 'http', code: 'OK', detail: pingText, ...withEra, warnings };
  }
  if (!auth) return ev.watchdog ? watchdogDecision(ev) : fail('HTTP_STATUS', `${pingText}, but the authenticated call was not made`, withResponder);
  const authAnswer = answered(auth, ev);
  if ('decision' in authAnswer) return authAnswer.decision;
  const a = authAnswer;
  const authWith = { responder: a.responder, httpStatus: a.head.status };
  // A proxy's own answer (it names itself) is never the cloud's verdict on the certificate.
  if (a.signature) return middleboxAnswer(auth, a, ev, authWith);
  if (a.head.status === 200 && a.responder.kind !== 'middlebox') {
    if (inspected) warnings.push('inspected: the chain was re-signed by a middlebox; it works here, but Microsoft does not support SSL inspection of sensor traffic');
    return { reachable: true, step: 'http', code: 'OK', detail: `${pingText}; the cloud accepted the sensor's certificate`, responder, httpStatus: head.status, pingAnswer: era.id, warnings };
  }
  if (inspected) {
    const who = a.responder.kind === 'cloud' ? 'the cloud' : `${a.responder.name ?? 'the middlebox'} (${a.responder.evidence}; inferred)`;
    return fail('INSPECTION_BREAKS_MUTUAL_AUTH', `${pingText}, but the authenticated call answered ${a.head.status} ("${oneLine(a.head.body)}") from ${who}: the chain was re-signed by ${chain!.issuer} and the cloud did not receive the sensor's certificate`, authWith);
  }
  return fail('HTTP_STATUS', `${pingText}, but the authenticated call answered ${a.head.status} ("${oneLine(a.head.body)}")`, authWith);
}

/** How each era's answer reads in a detail line. */
const ERA_LABEL: Record<PingAnswerId, string> = {
  'legacy-503': 'legacy workspace, still reachable',
  'ok-200': 'the "Ok" answer',
  'version-200': 'the latest sensor version number',
  'v3-cnc-500': 'v3 connectivity test, 500 means reachable',
};

function eraList(generation: Parameters<typeof classifyPingAnswer>[0]): string {
  return PING_ANSWERS.filter((a) => a.generations.includes(generation))
    .map((a) => `${a.status}${a.body ? ` ${a.id === 'ok-200' ? '"Ok"' : 'a version number'}` : ''}`)
    .join(', ');
}

type Answered = { head: HttpHead; responder: Responder; signature?: ProxySignature } | { decision: Decision };

/** The exchange's answer and who gave it, or the decision for an exchange that got none. */
function answered(x: HttpExchange, ev: ProbeEvidence): Answered {
  const chain = ev.tls!.chain;
  if (x.response) {
    const { signature, ...responder } = attributeAnswer(x.response, {
      inspected: chain?.inspected ?? false,
      ...(chain ? { issuer: chain.issuer } : {}),
      ...(ev.cloudMarkerHeader ? { cloudMarkerHeader: ev.cloudMarkerHeader } : {}),
      purpose: x.purpose,
    });
    return { head: x.response, responder, ...(signature ? { signature } : {}) };
  }
  return { decision: noAnswer(x, ev) };
}

/** An answer the cloud did not give: a proxy's or middlebox's own, named by what it says. */
function middleboxAnswer(x: HttpExchange, answer: { head: HttpHead; responder: Responder; signature?: ProxySignature }, ev: ProbeEvidence, extra: Partial<Decision>): Decision {
  const { head, responder, signature: sig } = answer;
  const chain = ev.tls!.chain;
  const inspected = chain?.inspected ?? false;
  const what = `GET ${x.path} answered ${head.status} ${head.reason}`.trim();
  const who = `${responder.name ?? 'a middlebox'} (${responder.evidence})`;
  if (sig && isUpstreamFailure(sig, head.status) && !(sig.errorId && SQUID_DENIAL_ERRORS.has(sig.errorId))) {
    return fail(
      'INSPECTION_UPSTREAM_FAILED',
      `${what} from ${who}, not from the cloud: the middlebox decrypted the connection but its own connection to the cloud failed${sig.errorId ? ` (${sig.errorId})` : ''}; it could not verify or reach the cloud (e.g. the cloud asks for a client certificate it does not hold, it does not trust the cloud's CA, no common cipher or TLS version)`,
      extra,
    );
  }
  if (sig && (head.status === 403 || (sig.errorId && SQUID_DENIAL_ERRORS.has(sig.errorId)))) {
    return fail('PROXY_DENIED', `${what} from ${who}${sig.errorId ? ` ${sig.errorId}` : ''}: the middlebox decrypted the connection and refused it by its own policy (a block page, not the cloud)${quoteBody(head)}`, { ...extra, step: 'http' });
  }
  if (!sig && inspected && head.status >= 300) {
    // An anonymous error page on a re-signed chain: what the lab's middlebox (and many
    // appliances) serve when their handshake with the cloud failed for want of the sensor's
    // certificate. Marked inferred: nothing in the answer names the cause.
    return fail(
      'INSPECTION_BREAKS_MUTUAL_AUTH',
      `${what}${quoteBody(head)} from ${who}, not from the cloud: the chain was re-signed by ${chain!.issuer}; the middlebox most likely could not complete mutual TLS with the cloud (inferred: the answer does not name its cause)`,
      extra,
    );
  }
  return fail('HTTP_STATUS', `${what}${quoteBody(head)} from ${who}, not from the cloud`, extra);
}

/** No HTTP answer: an alert after the handshake, a stall, or a hang-up. */
/** Slack on top of twice the handshake's duration before a close counts as late. */
const LATE_CLOSE_SLACK_MS = 100;

/** What came back after the request, in words: answer bytes, or TLS bytes that held no complete record. */
function receivedSoFar(e: { bytesReceived: number; tlsBytesReceived?: number }): string {
  if (e.bytesReceived > 0) return `${e.bytesReceived} bytes of the answer received${e.tlsBytesReceived ? `, ${e.tlsBytesReceived} bytes of TLS records` : ''}`;
  if (e.tlsBytesReceived) return `0 bytes of the answer received; ${e.tlsBytesReceived} bytes of TLS data arrived after the request, none of it answer data`;
  return e.tlsBytesReceived === 0 ? 'nothing received after the request' : '';
}

function noAnswer(x: HttpExchange, ev: ProbeEvidence): Decision {
  const tlsEv = ev.tls!;
  const chain = tlsEv.chain;
  const what = `GET ${x.path}`;
  const alert = tlsEv.alertsReceived.find((a) => a.when === 'after-handshake');
  if (x.socketError) {
    const c = classifyTlsError({ code: x.socketError.code, message: x.socketError.message, afterHandshake: true, presentedClientCert: tlsEv.hadClientCert });
    if (c.code === 'TLS_CLIENT_CERT_REJECTED' || c.code === 'TLS_PROTOCOL_VERSION') {
      const received = alert ? `TLS alert ${alert.name} received after the handshake, as TLS 1.3 reports it` : 'after the handshake, as TLS 1.3 reports it';
      if (chain?.inspected && alert?.name === 'certificate_required' && !tlsEv.hadClientCert) {
        return fail('TLS_CLIENT_CERT_REJECTED', `${c.detail} (${received}; sent by the middlebox that re-signed the chain)`, { step: 'tls' });
      }
      return fail(c.code, `${c.detail} (${received})`, { step: 'tls' });
    }
  }
  const ending = x.ending ?? (ev.watchdog ? { kind: 'stalled' as const, bytesReceived: 0 } : undefined);
  if (!ending) return fail('HTTP_STATUS', `${what} failed${x.errorCode ? ` (${x.errorCode})` : ''}`);
  const bytes = ending.bytesReceived ? ` after ${ending.bytesReceived} bytes` : '';
  const soFar = receivedSoFar(ending);
  if (ending.kind === 'stalled') {
    if (chain?.inspected && ending.bytesReceived === 0) {
      // Squid 5.7 and mitmproxy 8.1.1 both stall like this when the cloud sends TLS 1.3
      // certificate_required to them (they hold no sensor certificate): FACTS §7.
      return fail(
        'INSPECTION_BREAKS_MUTUAL_AUTH',
        `no answer to ${what} within ${x.timeoutMs} ms after ${chain.issuer} re-signed the chain: an inspecting middlebox stalls like this when the cloud demands the client certificate (TLS 1.3 certificate_required) and it holds none (inferred: the sensor cannot see the middlebox's own handshake)`,
      );
    }
    return fail('HTTP_TIMEOUT', `no answer to ${what} within ${x.timeoutMs} ms${soFar ? `; before the stall: ${soFar}` : ''}`);
  }
  // A peer that completes the handshake and hangs up without answering is either an
  // inspecting middlebox whose own handshake with the cloud failed (it holds no sensor
  // certificate: "Two way SSL connection to service failed" in the field), or a server that
  // verified the client certificate in software and refused it, which sends no alert (under
  // TLS 1.3 the client's handshake is already over when the server decides).
  const hung = ending.kind === 'reset' ? 'reset' : 'closed';
  if (chain?.inspected) {
    return fail('INSPECTION_BREAKS_MUTUAL_AUTH', `${what}: the connection was ${hung} without an answer${bytes} after ${chain.issuer} re-signed the chain; the middlebox most likely could not complete mutual TLS with the cloud (it does not hold the sensor's certificate)`);
  }
  const earlierAnswer = ev.http.some((o) => o !== x && o.response);
  // "Right after the handshake" is what a server that refuses the certificate in software
  // does: it hangs up as soon as it has the request. A close that comes well after the
  // request (longer than the handshake took, plus slack) is a device on the path giving up
  // on the connection (an idle timeout, a volume cap): not the certificate.
  const tlsMs = ev.timings.tls ?? 0;
  const late = ending.afterMs !== undefined && ending.afterMs > 2 * tlsMs + LATE_CLOSE_SLACK_MS;
  if (late || ending.bytesReceived > 0) {
    return fail(
      'HTTP_CONNECTION_CLOSED',
      `the connection was ${hung} ${ending.afterMs !== undefined ? `${ending.afterMs} ms after ${what}` : `after ${what}`} before a complete answer${soFar ? ` (${soFar})` : ''}${ending.message ? `: ${ending.message}` : ''}`,
    );
  }
  if (!earlierAnswer && ending.bytesReceived === 0) {
    const why = alert ? `TLS alert ${alert.name} received` : 'inferred: no TLS alert was received';
    return fail('TLS_CLIENT_CERT_REJECTED', `the server ${hung} the connection right after the handshake without answering ${what}: it did not accept ${tlsEv.hadClientCert ? "the sensor's client certificate" : 'a connection without a client certificate'} (${why})`, { step: 'tls' });
  }
  return fail('HTTP_STATUS', `${what} failed: the connection was ${hung}${bytes}${ending.message ? ` (${ending.message})` : ''}${x.errorCode ? ` (${x.errorCode})` : ''}`);
}
