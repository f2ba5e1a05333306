/**
 * The simulated Windows host's egress firewall. Rules match a destination (a lab name
 * pattern with `*.` wildcards, a component name, an address, or `*`) and optionally a port;
 * the first match wins, else the default. `drop` makes a connection hang until the caller's
 * deadline (TCP_TIMEOUT); `reject` answers with a real TCP reset (TCP_REFUSED).
 */
import { RecordLog } from './record-log.js';
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

export function matchesPattern(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  if (p === '*') return true;
  if (p.startsWith('*.')) return n.endsWith(p.slice(1)) && n.length > p.length - 1;
  return p === n;
}

export class EgressFirewall {
  readonly decisions: { address: string; port: number; names: string[]; action: FirewallAction; rule: string }[] = new RecordLog();

  constructor(private readonly def: FirewallDefinition) {}

  /** `names`: every lab name and component name that points at the address. */
  decide(address: string, port: number, names: string[]): FirewallAction {
    for (const r of this.def.rules) {
      if (r.port !== undefined && r.port !== port) continue;
      if (r.to === address || names.some((n) => matchesPattern(r.to, n))) {
        this.decisions.push({ address, port, names, action: r.action, rule: `${r.action} ${r.to}${r.port ? ':' + r.port : ''}` });
        return r.action;
      }
    }
    this.decisions.push({ address, port, names, action: this.def.default, rule: `default ${this.def.default}` });
    return this.def.default;
  }
}
