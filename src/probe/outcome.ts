/**
 * The probe's contract (DESIGN.md "Probe steps and codes"): every (identity, URL) check ends
 * in exactly one outcome. Outcomes are data; the probe never throws for a network result.
 */
import type { PingAnswerId, SensorGenerationId } from '../catalog/ping-answers.js';
import type { HostCheckResult } from './host/host-prerequisite-codes.js';

/** `host`: a prerequisite on the sensor's own host (probe/host/), decided before any route. */
export const PROBE_STEPS = ['host', 'route', 'dns', 'tcp', 'proxy', 'tls', 'http'] as const;
export type ProbeStep = (typeof PROBE_STEPS)[number];

/** Every code, with the step it belongs to and its one-line meaning. The single source for docs. */
export const PROBE_CODES = {
  OK: { step: null, meaning: 'the cloud gave one of its era\'s answers (v2: 200 Ok, 200 with a version number, legacy 503; v3: 500 from /cnc/identity/api) and, in the lab, saw the sensor\'s own certificate' },
  HOST_UPDATER_PORT_BLOCKED: { step: 'host', meaning: 'the sensor cannot reach its updater on localhost TCP 444 (a host firewall drops it)' },
  HOST_UPDATER_NOT_LISTENING: { step: 'host', meaning: 'nothing listens on localhost TCP 444: the sensor updater service is not running' },
  HOST_DOTNET_TLS_VALUES: { step: 'host', meaning: '.NET SystemDefaultTlsVersions or SchUseStrongCrypto is not 1, so the sensor cannot agree TLS 1.2' },
  HOST_ROOT_MISSING: { step: 'host', meaning: 'the machine root store lacks the root the cloud chain ends at (DigiCert Global Root G2, or Global Root CA for GCC High)' },
  HOST_CLOCK_SKEW: { step: 'host', meaning: 'the host clock differs from the cloud\'s Date by more than five minutes' },
  ROUTE_PAC_UNAVAILABLE: { step: 'route', meaning: 'PAC/WPAD script could not be found or fetched' },
  ROUTE_PAC_ERROR: { step: 'route', meaning: 'PAC script failed or returned nothing usable' },
  ROUTE_NOT_CONFIGURED: { step: 'route', meaning: 'probe --matrix: this proxy method has no setting for this identity, so nothing was tried (not a network failure)' },
  DNS_NOT_FOUND: { step: 'dns', meaning: 'name does not resolve (target, or proxy name)' },
  DNS_UNAVAILABLE: { step: 'dns', meaning: 'no DNS server answered (unreachable, SERVFAIL or timeout): says nothing about the name itself' },
  TCP_TIMEOUT: { step: 'tcp', meaning: 'connection dropped (firewall drop)' },
  TCP_REFUSED: { step: 'tcp', meaning: 'connection refused / rejected' },
  PROXY_AUTH_REQUIRED: { step: 'proxy', meaning: 'proxy answered 407 (LocalService/LocalSystem cannot answer it)' },
  PROXY_AUTH_UNSUPPORTED: { step: 'proxy', meaning: 'the v3 sensor (Defender for Endpoint connectivity) met a proxy that demands user authentication (407, or 401/403 with a challenge): not supported on v3' },
  PROXY_AUTH_MISREPORTED: { step: 'proxy', meaning: 'proxy wants credentials but answered 401 or 403 with a challenge instead of 407 (field symptom: "licensing issues")' },
  PROXY_DENIED: { step: 'proxy', meaning: 'proxy refused the destination (403 or other 4xx)' },
  PROXY_UPSTREAM_FAILED: { step: 'proxy', meaning: 'proxy could not reach the destination or its parent proxy (500, 502-504, Squid ERR_CANNOT_FORWARD / ERR_CONNECT_FAIL / ERR_DNS_FAIL)' },
  PROXY_CLOSED: { step: 'proxy', meaning: 'proxy closed or reset the connection without a status line' },
  PROXY_TIMEOUT: { step: 'proxy', meaning: 'proxy accepted the connection but did not answer CONNECT in time' },
  TLS_UNTRUSTED_CERT: { step: 'tls', meaning: 'server chain does not lead to a trusted root (e.g. inspection CA not deployed)' },
  TLS_CERT_EXPIRED: { step: 'tls', meaning: 'a certificate in the server chain is expired or not yet valid' },
  TLS_REVOCATION_UNREACHABLE: { step: 'tls', meaning: 'the host enforces revocation checking and cannot fetch revocation data (crl.microsoft.com, ctldl.windowsupdate.com, www.microsoft.com/pki*)' },
  TLS_HOSTNAME_MISMATCH: { step: 'tls', meaning: 'certificate does not cover the host name' },
  TLS_PROTOCOL_VERSION: { step: 'tls', meaning: 'no TLS 1.2+ agreement' },
  TLS_CLIENT_CERT_REJECTED: { step: 'tls', meaning: 'the peer rejected the sensor\'s client certificate in the handshake' },
  TLS_HANDSHAKE_FAILED: { step: 'tls', meaning: 'any other handshake failure' },
  INSPECTION_BREAKS_MUTUAL_AUTH: { step: 'http', meaning: 'the chain was re-signed by a middlebox and the cloud did not receive the sensor\'s certificate' },
  INSPECTION_UPSTREAM_FAILED: { step: 'http', meaning: 'the inspecting middlebox decrypted the connection but could not verify or reach the cloud itself, and answered with its own error (detail quotes it)' },
  HTTP_STATUS: { step: 'http', meaning: 'unexpected status (detail says which)' },
  HTTP_TIMEOUT: { step: 'http', meaning: 'no answer in time' },
  HTTP_CONNECTION_CLOSED: { step: 'http', meaning: 'the connection was closed or reset after the request, before a complete answer, and not right after the handshake (a device on the path gave up on it: idle timeout, volume cap)' },
} as const satisfies Record<string, { step: ProbeStep | null; meaning: string }>;

export type ProbeCode = keyof typeof PROBE_CODES;
export const PROBE_CODE_NAMES = Object.keys(PROBE_CODES) as ProbeCode[];

/** Milliseconds per step; a step not reached is absent (see evidence.ts StepTimings). */
export interface ProbeTimings {
  dns?: number;
  tcp?: number;
  proxy?: number;
  tls?: number;
  http?: number;
}

/**
 * Who gave the HTTP answer that decided the outcome (a CONNECT answer or an answer inside
 * TLS): the cloud, the forward proxy, an inspecting middlebox, or unknown. `evidence` says
 * what the attribution rests on (a header, the chain issuer, the body's shape).
 */
export interface Responder {
  kind: 'cloud' | 'proxy' | 'middlebox' | 'unknown';
  name?: string;
  evidence: string;
}

export interface ProbeOutcome {
  reachable: boolean;
  /** The step that decided: the failing one, or `http` for a success. */
  step: ProbeStep;
  code: ProbeCode;
  /** The presented chain is not the expected cloud chain (even when the check succeeds). */
  inspected: boolean;
  /** `DIRECT`, `PROXY host:port` or `TRANSPARENT`, then ` (source)`. */
  route: string;
  /** Where the route came from: wininet-static, pac, wpad, winhttp, sensor-config, none, scenario. */
  routeSource?: string;
  detail: string;
  durationMs: number;
  /** Per-step durations (compatible extension of schema 1). */
  timings: ProbeTimings;
  /** Present whenever an HTTP answer (CONNECT or inside TLS) was received. */
  responder?: Responder;
  /** Extra facts for reports (not part of the schema-1 contract, but stable when present). */
  issuer?: string;
  /** Status of the HTTP answer that decided: the CONNECT answer or the answer inside TLS. */
  httpStatus?: number;
  /** Which of the cloud's era answers proved reachability (catalog/ping-answers.ts), on success. */
  pingAnswer?: PingAnswerId;
  /** The sensor generation whose rules judged the check (absent: v2-wininet). */
  sensor?: SensorGenerationId;
  /** The proxy's answer to CONNECT as sent: status code and reason phrase (`407 Proxy Authentication Required`). */
  connectStatus?: string;
  /** The negotiated TLS version (`TLSv1.3`) and cipher (`TLS_AES_256_GCM_SHA384`), when a handshake completed far enough to tell. */
  tlsVersion?: string;
  tlsCipher?: string;
  warnings?: string[];
  /**
   * The host clock as judged by the cloud's Date header (host checks on, the cloud answered):
   * `skewMs` = local - cloud. A failed one is also the outcome (HOST_CLOCK_SKEW).
   */
  hostClock?: { status: HostCheckResult['status']; detail: string; skewMs?: number; uncertaintyMs?: number };
  hops?: HopTrace[];
  /**
   * The proxies' own access logs read for this check (`probe --proxy-log`), when the check
   * ended in a reset right after CONNECT: what was read and searched, and the line that
   * says the reset was a policy denial, if one did.
   */
  proxyLogs?: ProxyLogCheck[];
}

/** One `--proxy-log` file as read for one check (optional member of schema 1). */
export interface ProxyLogCheck {
  file: string;
  /** Bytes read: the whole file, or its last bytes (`skippedBytes` came before them). */
  bytesRead: number;
  skippedBytes: number;
  /** Non-empty lines read, and those no known format fits (with the first of them). */
  lines: number;
  unparsed: number;
  firstUnparsedLine?: number;
  /** Line numbers count from the file's start, or (skippedBytes > 0) from the first whole line read. */
  lineNumbersFrom: 'start' | 'tail';
  /** The attempt's start and end (ISO, this host's clock) and the tolerance allowed for the proxy's clock. */
  window: { from: string; to: string; toleranceMs: number };
  /** The log line that says the reset was the proxy's policy (the latest in the window). */
  match?: { line: number; text: string; loggedAt: string; quote: string };
  /** Why the file could not be read (the check's outcome then rests on the probe's view alone). */
  error?: string;
}

/** One hop of the path as the probe saw it, for path diagrams. */
export interface HopTrace {
  kind: 'host' | 'firewall' | 'proxy' | 'middlebox' | 'transparent' | 'cloud';
  label: string;
  ok: boolean;
  code?: ProbeCode;
  /** Where the hop listens, as the engine placed it (the lab's own address; absent for the firewall and for reports rebuilt from JSON). */
  address?: string;
  /** The port the path uses on this hop, as the plan names it (absent for the host and firewall). */
  port?: number;
}

export function stepOf(code: ProbeCode): ProbeStep {
  return PROBE_CODES[code].step ?? 'http';
}
