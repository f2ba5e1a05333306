/**
 * What an unreachable revocation host means for a check, shared by the lab runner and the
 * real-mode probe.
 */
import { REVOCATION_2023 } from '../catalog/index.js';
import type { RouteResult } from '../route.js';
import { checkRevocationUrl, type RevocationCheck, type RevocationOptions } from './check-revocation.js';
import type { ProbeOutcome } from './outcome.js';

export type RevocationMode = 'off' | 'warn' | 'enforce';

/** One representative URL per revocation endpoint of the catalogue. */
export function revocationProbeUrls(): string[] {
  return [...new Set(REVOCATION_2023.map((e) => e.probeUrl).filter((u): u is string => !!u))];
}

/** Every revocation endpoint, each over the route the identity would take for its URL. */
export function checkRevocationHosts(routeFor: (url: string) => Promise<RouteResult>, opts: RevocationOptions): Promise<RevocationCheck[]> {
  return Promise.all(revocationProbeUrls().map(async (u) => checkRevocationUrl(u, await routeFor(u), opts)));
}

/**
 * Revocation policy (documented in the README): unreachable revocation hosts are
 * a warning by default, because Windows soft-fails an offline revocation check and the sensor
 * still connects; when the scenario says the host enforces revocation checking, they fail the
 * check at the TLS step, which is where Windows' chain validation would fail.
 */
export function applyRevocationPolicy(observed: ProbeOutcome, checks: RevocationCheck[], mode: 'warn' | 'enforce'): void {
  const failed = checks.filter((c) => !c.reachable);
  if (!failed.length) return;
  // One line per distinct cause, naming every host it hit (two www.microsoft.com paths share one).
  const causes = new Map<string, { hosts: Set<string>; detail: string }>();
  for (const c of failed) {
    const key = `${c.code} via ${c.route}`;
    const entry = causes.get(key) ?? { hosts: new Set<string>(), detail: c.detail };
    entry.hosts.add(c.host);
    causes.set(key, entry);
  }
  const text = [...causes].map(([key, v]) => `${[...v.hosts].join(', ')}: ${key} (e.g. ${v.detail})`).join('; ');
  if (mode === 'enforce' && observed.reachable) {
    Object.assign(observed, { reachable: false, step: 'tls', code: 'TLS_REVOCATION_UNREACHABLE', detail: `revocation checking is enforced and revocation data is unreachable: ${text}; ${observed.detail}` });
  } else {
    observed.warnings = [...(observed.warnings ?? []), `revocation data unreachable: ${text}`];
  }
}

