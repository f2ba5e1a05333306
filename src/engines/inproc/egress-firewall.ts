/**
 * The in-process engine's enforcement of the plan's egress firewall (lab/firewall-definition.ts):
 * every connection the simulated host opens is decided here, and each decision is recorded.
 */
import { firewallDecision, type FirewallAction, type FirewallDefinition } from '../../lab/firewall-definition.js';
import { RecordLog } from '../../lab/record-log.js';

export class EgressFirewall {
  readonly decisions: { address: string; port: number; names: string[]; action: FirewallAction; rule: string }[] = new RecordLog();

  constructor(private readonly def: FirewallDefinition) {}

  /** `names`: every lab name and component name that points at the address. */
  decide(address: string, port: number, names: string[]): FirewallAction {
    const d = firewallDecision(this.def, address, port, names);
    this.decisions.push({ address, port, names, ...d });
    return d.action;
  }
}
