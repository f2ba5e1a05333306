/**
 * The Windows host's egress firewall as data. Rules match a destination (a lab name pattern
 * with `*.` wildcards, a component name, an address, or `*`) and optionally a port; the
 * first match wins, else the default. `drop` makes a connection hang until the caller's
 * deadline (TCP_TIMEOUT); `reject` answers with a real TCP reset (TCP_REFUSED). Each engine
 * enforces it its own way (in process: the host's transport; in containers: nftables).
 */
import { matchesPattern } from '../host-pattern.js';

export type FirewallAction = 'allow' | 'drop' | 'reject';

export interface FirewallRule {
  to: string;
  port?: number;
  action: FirewallAction;
}

export interface FirewallDefinition {
  default: FirewallAction;
  rules: FirewallRule[];
}

/** Sans-IO: the action for a destination; `names` are every lab name and component name of the address. */
export function firewallDecision(def: FirewallDefinition, address: string, port: number, names: readonly string[]): { action: FirewallAction; rule: string } {
  for (const r of def.rules) {
    if (r.port !== undefined && r.port !== port) continue;
    if (r.to === address || names.some((n) => matchesPattern(r.to, n))) return { action: r.action, rule: `${r.action} ${r.to}${r.port ? ':' + r.port : ''}` };
  }
  return { action: def.default, rule: `default ${def.default}` };
}
