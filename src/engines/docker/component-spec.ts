/**
 * What the docker engine hands one component container (as /lab/spec.json, read-only): its
 * own planned component, its address on the lab network, every component's planned endpoint
 * and the lab DNS table. The PKI directory is mounted beside it at /pki.
 */
import type { PlannedComponent } from '../../lab/lab-plan.js';

export interface ComponentSpec {
  component: PlannedComponent;
  address: string;
  /** component name → its address and planned port on the lab network. */
  endpoints: Record<string, { address: string; port: number }>;
  /** The lab DNS table (name → address), as the lab's dnsmasq answers it. */
  dns: [string, string][];
  /** The Windows host's address: records name it `windows-host`, as in process. */
  hostAddress?: string;
}

export const SPEC_PATH = '/lab/spec.json';
export const PKI_MOUNT = '/pki';
/** The line a component container prints once it listens. */
export const READY_LINE = 'atp-netlab component ready';
/** The line the Windows host container prints once its probe command is loaded. */
export const HOST_READY_LINE = 'atp-netlab host ready';
