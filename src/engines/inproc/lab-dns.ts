/**
 * The lab's DNS. It answers only names the lab registered: a name it does not know is
 * NXDOMAIN, never a query to the real Internet, so a lab run can never send a packet to the
 * real *.azure.com. Bare names resolve through the host's suffix search list, like Windows.
 */
export class LabDns {
  private readonly names = new Map<string, string>();
  private readonly byAddress = new Map<string, string>();

  constructor(readonly suffixes: readonly string[]) {}

  register(name: string, address: string): void {
    const n = name.toLowerCase().replace(/\.$/, '');
    this.names.set(n, address);
    if (!this.byAddress.has(address)) this.byAddress.set(address, n);
  }

  /** Remove a name (e.g. a scenario that models a proxy name missing from DNS). */
  unregister(name: string): void {
    this.names.delete(name.toLowerCase());
  }

  resolve(name: string): string | undefined {
    const n = name.toLowerCase().replace(/\.$/, '');
    const direct = this.names.get(n);
    if (direct) return direct;
    if (!n.includes('.')) {
      for (const s of this.suffixes) {
        const hit = this.names.get(`${n}.${s}`);
        if (hit) return hit;
      }
    }
    return undefined;
  }

  nameOf(address: string): string | undefined {
    return this.byAddress.get(address);
  }

  /** Every name that currently answers with this address (firewall rules match any of them). */
  namesOf(address: string): string[] {
    return [...this.names].filter(([, a]) => a === address).map(([n]) => n);
  }

  entries(): [string, string][] {
    return [...this.names.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  }
}
