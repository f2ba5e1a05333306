/**
 * What a running lab component may know of the world: one named environment that an engine
 * hands to every component kind (it replaces the ad-hoc `lookup`/`whoIs`/`addressFor`
 * closures each component used to take).
 *
 *   component ──listen(port)──▶ engine binds the component's own address; the port the plan
 *                               names (443, 80) or, when that needs a privilege the process
 *                               lacks, a free one that the engine maps the planned port to
 *   component ──resolve(name)─▶ the lab DNS (lab names only, never the system resolver)
 *   component ──connect(a, p)─▶ the lab network from the component's own address, through
 *                               the same port map (and, later, the link's faults)
 *   component ──whoIs(a)──────▶ which lab component an address belongs to (for records)
 *
 * Components talk to each other over these sockets only: no component holds another's
 * object. That is what lets another engine (containers) run the same kinds.
 */
import type net from 'node:net';
import type { LabPki } from '../pki/index.js';
import type { ConnectOptions } from '../transport.js';

export interface LabEndpoint {
  address: string;
  port: number;
}

export interface ComponentEnvironment {
  /** The component's name in the plan (`corp-proxy`, `cloud:host`, …). */
  readonly name: string;
  /** The component's own lab address; it listens and connects from here. */
  readonly address: string;
  readonly pki: LabPki;
  /** The lab DNS: an address for a lab name, or undefined (NXDOMAIN). */
  resolve(host: string): string | undefined;
  /** Every name the lab DNS answers and its address (a real program's hosts file). */
  dnsTable(): [string, string][];
  /** A TCP connection from this component's address to a lab address and planned port. */
  connect(address: string, port: number, opts: ConnectOptions): Promise<net.Socket>;
  /** Bind `server` on the component's address at the planned port; resolves to that planned port. */
  listen(server: net.Server, port: number, what: string): Promise<number>;
  /** The lab component at an address (its name), or the address itself. */
  whoIs(address: string): string;
  /** Another component's planned endpoint (address and planned port), by name. */
  endpointOf(component: string): LabEndpoint | undefined;
}
