/**
 * The engine seam: where a lab plan runs. An engine reports what it lacks before anything
 * starts, says which plans it cannot serve (and why, for a skip with the reason), and
 * starts a plan as a `StartedEngineLab`, which runs the plan's checks and is disposed with
 * `await using`. The scenario runner and `lab up` know only this interface.
 *
 *   scenario ──compile──▶ LabPlan ──engine.start──▶ StartedEngineLab
 *                                                    ├─ runCheck(check) → ProbeOutcome
 *                                                    ├─ records(component)
 *                                                    ├─ endpoints() (for outside tools)
 *                                                    └─ [Symbol.asyncDispose]
 */
import type { PlannedFault } from '../lab/faults/index.js';
import type { LabPlan, PlanCheck } from '../lab/lab-plan.js';
import type { LabPki } from '../pki/index.js';
import type { ProbeOutcome } from '../probe/outcome.js';
import type { Identity } from '../identity.js';
import type { RouteResult } from '../route.js';
import type { NetTransport } from '../transport.js';

export interface EngineStartOptions {
  pki: LabPki;
}

/** Where a component can be reached from outside the engine (curl, a browser, `probe`). */
export interface ReachableEndpoint {
  name: string;
  type: string;
  role: string;
  address: string;
  /** The port the plan names. */
  port: number;
  /** The port that really answers (differs when the engine mapped a privileged port). */
  boundPort: number;
  dnsNames: string[];
}

export interface StartedEngineLab extends AsyncDisposable {
  readonly engine: string;
  readonly plan: LabPlan;
  runCheck(check: PlanCheck): Promise<ProbeOutcome>;
  /** What a component did, in its own record shape. */
  records(component: string): readonly object[];
  /** The same, from an engine whose components keep their records elsewhere (containers). */
  fetchRecords?(component: string): Promise<readonly object[]>;
  endpoints(): ReachableEndpoint[];
  /** The DNS table as outside tools need it: name → address. */
  dnsTable(): [string, string][];
  /** What is limited for clients outside the engine (one line each). */
  outsideNotes(): string[];
  explain(): string;
  /** The faults on the lab's links, changeable while it runs (`lab fault`); absent where the engine cannot. */
  readonly faults?: LabFaults;
  stop(): Promise<void>;
  /**
   * The host side as a simulated sensor sees it, to open its own long-lived connections
   * (`atp-netlab load`): the host's network, the identity's route, what it trusts and the
   * proxy credentials it can answer with. Absent on an engine that cannot give it.
   */
  sensorSide?(identity: Identity): Promise<SensorSide>;
  /** Makes the lab cloud know more sensor certificates (by thumbprint), e.g. a load run's fleet. */
  enrollSensors?(thumbprints: readonly string[]): void | Promise<void>;
}

export interface SensorSide {
  transport: NetTransport;
  route(url: string): Promise<RouteResult>;
  trustedCaPems: string[];
  proxyCredentials?: { username: string; password: string };
  /** The response header only the lab cloud sets (the probe's cloudMarkerHeader). */
  cloudMarkerHeader: string;
  /** Root names the cloud's chain ends at (anything else is a re-signed, inspected chain). */
  expectedRootNames: string[];
  /** The host's TCP connect deadline (the lab's is short: a drop is a drop at once). */
  tcpTimeoutMs: number;
}

/** A running lab's faults (lab/faults): what `lab fault add|remove|list` talks to. */
export interface LabFaults {
  list(): PlannedFault[];
  /** Checked as a scenario's fault; applies to connections made from now on. */
  add(definition: unknown): PlannedFault;
  remove(name: string): PlannedFault;
}

export interface Engine {
  readonly name: string;
  readonly description: string;
  /** Missing prerequisites (a binary, a privilege, a daemon), one actionable line each; empty when ready. */
  prerequisites(): Promise<string[]>;
  /** Why this engine cannot serve the plan (a component kind it lacks…), or undefined. */
  unsupported(plan: LabPlan): string | undefined;
  start(plan: LabPlan, opts: EngineStartOptions): Promise<StartedEngineLab>;
}
