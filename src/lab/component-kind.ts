/**
 * A component kind, like a toxiproxy toxic or a mockttp rule: one module holding the zod
 * schema of its definition (the single declaration; the TypeScript type is inferred from
 * it), an `explain()` in words, and a `start()` that turns a definition into a running
 * component. Kinds register in one list (kinds/index.ts); nothing else starts a kind by name.
 *
 * `start` loads the implementation lazily, so that reading a plan or a schema (the CLI's
 * `plan`, `schema`, `list`) never loads TLS servers or proxy code.
 */
import type { z } from 'zod';
import type { ComponentEnvironment } from './component-environment.js';

export interface StartedComponent extends AsyncDisposable {
  /** The planned port the component serves (443 for the cloud, 8080 for a proxy, …). */
  readonly port: number;
  /** Everything the component did, in its own record shape (decisions, requests, …). */
  readonly records: readonly object[];
  stop(): Promise<void>;
}

export interface ComponentKind<S extends z.ZodType = z.ZodType> {
  readonly type: string;
  readonly schema: S;
  /** One sentence on what this component does to traffic. */
  explain(def: z.infer<S>): string;
  /** The port the component listens on, as the plan names it. */
  port(def: z.infer<S>): number;
  /** Names (besides the component's own name) the lab DNS answers with its address. */
  dnsNames?(def: z.infer<S>): string[];
  /** Why this kind cannot run on this machine (a program it runs is missing), or undefined. */
  unavailable?(): string | undefined;
  /**
   * The kind is a real program that connects to the planned ports (443) itself, so it cannot
   * follow an engine's port map: an engine that maps privileged ports cannot run it.
   */
  needsPlannedPorts?: boolean;
  start(def: z.infer<S>, env: ComponentEnvironment): Promise<StartedComponent>;
}

/** Identity function that checks a kind against the interface and keeps its precise types. */
export function defineComponentKind<S extends z.ZodType>(kind: ComponentKind<S>): ComponentKind<S> {
  return kind;
}
