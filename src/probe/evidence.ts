/**
 * What one check saw, as plain data (strings and numbers, no sockets, no Buffers): the
 * driver (collect-evidence.ts) fills it in while it walks the path, and the pure
 * `verdict(evidence)` (verdict.ts) names the outcome from it. Everything a verdict rule rests
 * on must be here, so that the rules can be tested from a table without a socket, with
 * evidence shaped like what Squid, mitmproxy and the lab send.
 *
 *   route ─▶ attempts[i]: dns ─▶ tcp ─▶ connect (CONNECT answer) ─▶ tls ─▶ http[] (ping, auth)
 */
import type { SensorGenerationId } from '../catalog/ping-answers.js';
import type { HostCheckResult } from './host/host-prerequisite-codes.js';
import type { RouteHop, RouteResult } from '../route.js';
import type { NetErrorCode } from '../transport.js';
import type { ChainFacts } from './chain-analysis.js';
import type { ProbeStep, ProbeTimings } from './outcome.js';

/** First bytes of a body kept as evidence (enough for mitmproxy's and a block page's text). */
export const BODY_EVIDENCE_BYTES = 512;

/**
 * Milliseconds spent in each step. A step that was not reached is absent (never 0): a check
 * that fails at `tcp` has `dns` and `tcp` only. `proxy` is absent on a direct route. When PAC
 * gives several candidates, dns/tcp/proxy are the sums over the candidates tried.
 */
export type StepTimings = ProbeTimings;

export interface DnsEvidence {
  /** The name looked up: the target on a direct route, the proxy's name otherwise. */
  name: string;
  addresses?: string[];
  /** The transport's NetError code when the lookup failed. */
  errorCode?: NetErrorCode;
  message?: string;
}

export interface TcpEvidence {
  port: number;
  /** The address that accepted the connection. */
  address?: string;
  errorCode?: NetErrorCode;
  message?: string;
}

export interface HttpHead {
  status: number;
  reason: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** First BODY_EVIDENCE_BYTES of the body, as UTF-8 text. */
  body: string;
}

/** How a connection ended when it did not answer: what the peer did, and after how many bytes. */
export interface Ending {
  kind: 'closed' | 'reset' | 'stalled' | 'garbage';
  /** Bytes received from the peer on this exchange before it ended (inside TLS: decrypted bytes of the answer). */
  bytesReceived: number;
  /** Inside TLS: bytes of TLS records that arrived after the request went out (an answer cut inside a record shows here only). */
  tlsBytesReceived?: number;
  /** Inside TLS: milliseconds from the request to the end. */
  afterMs?: number;
  message?: string;
}

export interface ConnectEvidence {
  /** `host:port` of the proxy. */
  proxy: string;
  target: string;
  hadCredentials: boolean;
  /** The proxy's answer, when a status line came. */
  response?: HttpHead;
  /** Set when no status line came. */
  ending?: Ending;
}

export interface HopAttempt {
  hop: RouteHop;
  dns?: DnsEvidence;
  tcp?: TcpEvidence;
  connect?: ConnectEvidence;
}

/** A TLS alert, by its RFC 8446 name (`certificate_required`, `handshake_failure`, ...). */
export interface TlsAlert {
  name: string;
  /** Where node reported it: in the handshake, or on the first read after it (TLS 1.3). */
  when: 'handshake' | 'after-handshake';
  /** node's error code that carried it, e.g. ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED. */
  errorCode: string;
}

export interface TlsEvidence {
  /** The handshake completed and the chain verified. */
  ok: boolean;
  version?: string;
  cipher?: string;
  /** The presented chain, read before node's own verification (also on failure). */
  chain?: ChainFacts;
  /** Alerts the peer sent us (node surfaces them as ERR_SSL_*_ALERT_* errors). */
  alertsReceived: TlsAlert[];
  /**
   * The alert our side sent for a failure it detected itself, when OpenSSL sends one (e.g.
   * `protocol_version`). Certificate verification failures send none: node verifies after
   * OpenSSL's handshake and destroys the socket.
   */
  alertSent?: string;
  /** The handshake error, as node reported it. */
  error?: { code?: string; message: string };
  /** No handshake within the TLS deadline. */
  timedOut?: boolean;
  /** The sensor had a client certificate to present when asked. */
  hadClientCert: boolean;
  /**
   * The server sent a TLS 1.3 session ticket. A server sends one only after it has verified
   * the client's Finished, and with it the client certificate: a close that comes later is
   * not a rejected certificate.
   */
  sessionTicket?: boolean;
}

export interface HttpExchange {
  purpose: 'ping' | 'auth';
  path: string;
  response?: HttpHead;
  /** Set when no answer came. */
  ending?: Ending;
  /** The HTTP client's error code when the request failed (UND_ERR_SOCKET, ...). */
  errorCode?: string;
  /** Wall-clock ms when the response head arrived, and the request's round trip (clock skew). */
  receivedAtMs?: number;
  roundTripMs?: number;
  /** The TLS socket's own error, e.g. a TLS 1.3 alert that arrived after the handshake. */
  socketError?: { code?: string; message: string };
  timeoutMs: number;
}

/**
 * A fact about the check from outside the host, given by a caller that can see it (an engine
 * reading a proxy's own log). The probe never produces one itself.
 */
export interface ExternalReport {
  source: string;
  /** `policy-denied`: the proxy says it refused the destination (e.g. Squid `deny_info TCP_RESET`). */
  kind: 'policy-denied';
  detail: string;
}

export interface ProbeEvidence {
  url: string;
  host: string;
  port: number;
  identity: string;
  route: RouteResult;
  /** Route candidates tried, in order (several when PAC gave several and the first failed). */
  attempts: HopAttempt[];
  tls?: TlsEvidence;
  http: HttpExchange[];
  checks: 'ping' | 'full';
  /** Host prerequisites checked by the caller (probe/host/): a failed one decides, at step `host`. */
  hostChecks?: HostCheckResult[];
  /** Judge the host clock against the cloud's Date on the ping answer (HOST_CLOCK_SKEW). */
  checkClockSkew?: boolean;
  /** The sensor generation whose rules judge the answers (absent: v2-wininet). */
  sensor?: SensorGenerationId;
  /** The authenticated call was configured (lab). */
  authCheckPath?: string;
  /**
   * A response header only the cloud sets (the lab cloud: `x-atpnl-lab-cloud`). When given,
   * an answer without it is not the cloud's; when absent (real mode), the cloud is recognised
   * by the known shape of its answers.
   */
  cloudMarkerHeader?: string;
  /** The check's deadline fired while this step was running. */
  watchdog?: { step: ProbeStep; totalMs: number };
  reports?: ExternalReport[];
  timings: StepTimings;
  durationMs: number;
}
