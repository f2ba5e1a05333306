/**
 * A lab definition is plain, serializable data (like mockttp's rule definitions): what the
 * network is, as a scenario or a test writes it. `compileNetworkPlan` (lab-plan.ts) checks it
 * and lays it out; an engine runs the plan. Nothing here owns a socket.
 */
import type { FirewallDefinition } from './firewall-definition.js';
import type { CloudHostDefinition } from './kinds/cloud-endpoint-kind.js';
import type { ForwardProxyDefinition } from './kinds/forward-proxy-kind.js';
import type { MiddleboxDefinition } from './kinds/middlebox-kind.js';
import type { PacServerDefinition } from './kinds/pac-server-kind.js';
import type { TransparentProxyDefinition } from './kinds/transparent-proxy-kind.js';

export interface LabDefinition {
  /** DNS suffix of the simulated host (lab names like `corp-proxy.<domain>`). */
  domain: string;
  cloud: { hosts: CloudHostDefinition[] };
  proxies: ForwardProxyDefinition[];
  /** Web servers for PAC files; one named `wpad` answers WPAD discovery. */
  pacServers?: PacServerDefinition[];
  firewall: FirewallDefinition;
  /** SSL-inspecting middleboxes (explicit CONNECT proxies); a forward proxy's `upstream` may name one. */
  middleboxes?: MiddleboxDefinition[];
  /** Diverts the host's traffic to cloud addresses on 443 (the host has no proxy setting). */
  transparentProxy?: TransparentProxyDefinition;
  /** Faults on links (lab/faults), as `faults:` of a scenario: validated by compileNetworkPlan. */
  faults?: readonly Record<string, unknown>[];
  dns?: {
    /** Extra names → a component name or a loopback address. */
    records?: Record<string, string>;
    /** Names the lab must not answer (e.g. a proxy name missing from DNS). */
    remove?: string[];
  };
}
