/**
 * A route is the first hop WinINET (or the sensor) picks for one URL. It is produced by
 * `wininet/` (static settings, PAC, WPAD) and consumed by `probe/`; both depend on this file,
 * neither on the other's internals.
 */
export type RouteSource = 'wininet-static' | 'pac' | 'wpad' | 'winhttp' | 'telemetry-proxy-server' | 'sensor-config' | 'none' | 'scenario';

export type RouteHop =
  | { kind: 'DIRECT' }
  | { kind: 'PROXY'; host: string; port: number };

/** The ordered candidates (PAC may return several: `PROXY a:1; PROXY b:2; DIRECT`). */
export interface RouteDecision {
  candidates: RouteHop[];
  source: RouteSource;
  /** Facts a person needs to read the outcome, e.g. "WinHTTP has a proxy but WinINET does not". */
  notes: string[];
  /** The PAC URL that decided, when source is pac/wpad. */
  pacUrl?: string;
}

/** Route resolution can fail before any connection is tried (PAC/WPAD problems). */
export type RouteFailure = {
  failed: true;
  code: 'ROUTE_PAC_UNAVAILABLE' | 'ROUTE_PAC_ERROR';
  detail: string;
  source: RouteSource;
  pacUrl?: string;
};

export type RouteResult = ({ failed: false } & RouteDecision) | RouteFailure;

export function formatHop(hop: RouteHop): string {
  return hop.kind === 'DIRECT' ? 'DIRECT' : `PROXY ${hop.host}:${hop.port}`;
}
