/**
 * What the network did to a check that the host cannot see: a transparent proxy diverting a
 * direct connection. The probe reports the route it chose (DIRECT); the lab, which built the
 * diversion, rewrites it to TRANSPARENT and says where it went.
 *
 * Interim (issue 8 §3): this reads the in-process lab transport's `pathNote` here, outside
 * the probe, until the engine reports diversions in the check's path trace itself.
 */
import type { NetTransport } from '../transport.js';
import type { ProbeOutcome } from '../probe/outcome.js';

export async function annotateDiversion(outcome: ProbeOutcome, transport: NetTransport, url: string): Promise<ProbeOutcome> {
  if (outcome.route !== 'DIRECT' || !transport.pathNote || outcome.step === 'route' || outcome.step === 'dns') return outcome;
  const u = new URL(url);
  const port = Number(u.port || 443);
  let addresses: string[];
  try {
    addresses = await transport.lookup(u.hostname);
  } catch {
    return outcome;
  }
  const note = addresses.map((a) => transport.pathNote!(a, port)).find(Boolean);
  if (!note) return outcome;
  outcome.route = 'TRANSPARENT';
  outcome.detail = [outcome.detail, `the network diverted ${u.hostname}:${port} to ${note}`].filter(Boolean).join('; ');
  return outcome;
}
