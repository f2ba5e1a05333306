/**
 * A fault type, like a toxiproxy toxic: one module holding the zod shape of its attributes,
 * an `explain()` in words, and `create()`, which makes the per-connection, per-direction
 * state that acts on the bytes. Each module registers itself here when imported
 * (faults/index.ts imports every module); the scenario schema, the plan's explain and the
 * link wrapper (fault-link.ts) look types up by name, never by import.
 */
import { z } from 'zod';

export type FaultDirection = 'upstream' | 'downstream';

/** What a fault may do to the connection it sits on. */
export interface FaultPipe {
  /** Pass bytes on in this direction (to the next fault, then the receiving socket). */
  forward(chunk: Buffer): void;
  /** Pass the sender's FIN on in this direction. */
  forwardEnd(): void;
  /** Close both sides cleanly (FIN): what a proxy or middlebox does when it gives up. */
  close(reason: string): void;
  /** Reset both sides (RST): what a device that kills a connection does. */
  reset(reason: string): void;
  /** Say what the fault did without ending the connection (a stall), for the path trace. */
  report(reason: string): void;
  /** Aborted when the connection is gone: timers must stop. */
  readonly signal: AbortSignal;
}

/** Shared by both directions of one connection. */
export interface FaultConnection {
  /** When bytes last moved in either direction (performance.now()). */
  lastActivityMs: number;
  /** The client has sent a TLS application_data record: its side of the handshake is done. */
  clientHandshakeDone: boolean;
}

/** One fault acting on one direction of one connection. Chunks come in order, one at a time. */
export interface FaultInstance {
  /** Called once when the connection is wrapped (timers that do not wait for data). */
  start?(pipe: FaultPipe, conn: FaultConnection): void;
  data(chunk: Buffer, pipe: FaultPipe, conn: FaultConnection): void | Promise<void>;
  /** The sender closed this direction (FIN); the default passes it on. */
  end?(pipe: FaultPipe, conn: FaultConnection): void | Promise<void>;
}

export interface FaultType<A extends z.ZodRawShape = z.ZodRawShape> {
  readonly type: string;
  /** One line for the schema and `schema` output. */
  readonly description: string;
  readonly attributes: A;
  /** Directions the fault makes sense in (reset_after_client_hello: upstream only). */
  readonly directions?: readonly FaultDirection[];
  /** What the fault does, in words (`plan`, `explain`, reports). */
  explain(a: z.infer<z.ZodObject<A>>): string;
  create(a: z.infer<z.ZodObject<A>>): FaultInstance;
}

const REGISTRY = new Map<string, FaultType>();

/** Register a fault type (each module calls this once, at import). */
export function registerFault<A extends z.ZodRawShape>(t: FaultType<A>): FaultType<A> {
  if (REGISTRY.has(t.type)) throw new Error(`fault type ${t.type} registered twice`);
  REGISTRY.set(t.type, t as unknown as FaultType);
  return t;
}

export function faultType(type: string): FaultType | undefined {
  return REGISTRY.get(type);
}

export function faultTypes(): FaultType[] {
  return [...REGISTRY.values()];
}

/** Attribute helpers with units in their names and caps far above any real use. */
export const durationMs = (max = 600_000) => z.number().int().min(0).max(max);
export const byteCount = (max = 1024 * 1024 * 1024) => z.number().int().min(0).max(max);

/** Resolves after `ms`, or at once when the connection goes (the fault then does nothing more). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
