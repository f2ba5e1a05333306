/**
 * Every fault type, registered by importing its module (as toxiproxy's toxics are keyed by
 * type name), and what a plan says about faults: the definition schema, the link spec, and
 * matching a connection to the faults on its link. Adding a type: its module + one import.
 *
 * A link is `from->to`, each end a component name (`corp-proxy`, `cloud:<host>`), a role
 * (`host`, `proxy`, `middlebox`, `cloud`, `pac`, `wpad`, `revocation`, `transparent-proxy`),
 * a kind (`squid`, `pac-server`) or `*`: `host->proxy`, `proxy->middlebox`,
 * `middlebox->cloud`, `host->pac`.
 */
import { z } from 'zod';
import { AtpNetlabError } from '../../errors.js';
import { faultType, faultTypes, type FaultDirection } from './fault-type.js';
import './bandwidth-fault.js';
import './idle-timeout-fault.js';
import './latency-fault.js';
import './limit-data-fault.js';
import './reset-after-client-hello-fault.js';
import './reset-peer-fault.js';
import './slicer-fault.js';
import './slow-close-fault.js';
import './timeout-fault.js';

export { faultType, faultTypes, type FaultDirection } from './fault-type.js';

/** Faults of one lab (a scenario's `faults:` list). */
export const MAX_FAULTS = 64;

/** The simulated Windows host's name and role in link specs. */
const HOST_END = 'host';
const LINK_END = '[a-z0-9*][a-z0-9:.*-]{0,300}';
const LINK = new RegExp(`^(${LINK_END})->(${LINK_END})$`);

export const linkSpec = z
  .string()
  .max(610)
  .regex(LINK, 'a link is `from->to`, e.g. host->proxy, proxy->middlebox, middlebox->cloud, host->pac')
  .describe('`from->to`; each end a component name, a role (host, proxy, middlebox, cloud, pac, wpad, revocation, transparent-proxy), a kind, or *');

/** A fault as a plan holds it: the common fields and the type's own attributes. */
export interface PlannedFault {
  type: string;
  name?: string;
  link: string;
  direction: FaultDirection;
  toxicity: number;
  [attribute: string]: unknown;
}

function definitionSchema() {
  const [first, ...rest] = faultTypes().map((t) =>
    z
      .strictObject({
        type: z.literal(t.type),
        name: z.string().max(63).regex(/^[a-z0-9][a-z0-9_-]*$/).optional().describe('what `lab fault remove` calls it (default: <type>_<direction>)'),
        link: linkSpec,
        direction: (t.directions?.length === 1 ? z.literal(t.directions[0]!) : z.enum(['upstream', 'downstream'])).default(t.directions?.[0] ?? 'downstream').describe('upstream: client → server bytes; downstream: server → client'),
        toxicity: z.number().min(0).max(1).default(1).describe('probability that a connection on the link gets the fault'),
        ...t.attributes,
      })
      .describe(`${t.type}: ${t.description}`),
  );
  return z.discriminatedUnion('type', [first!, ...rest]);
}

export const faultDefinitionSchema = definitionSchema();
export const faultListSchema = z.array(faultDefinitionSchema).max(MAX_FAULTS);

export function parseLink(link: string): { from: string; to: string } {
  const m = LINK.exec(link);
  if (!m) throw new Error(`not a link: ${link}`);
  return { from: m[1]!, to: m[2]! };
}

/** A lab component as a link end can name it. */
export interface LinkEnd {
  name: string;
  role: string;
  type: string;
}

export const HOST_LINK_END: LinkEnd = { name: 'windows-host', role: HOST_END, type: HOST_END };

export function endMatches(spec: string, end: LinkEnd): boolean {
  return spec === '*' || spec === end.name || spec === end.role || spec === end.type;
}

/** The first end of `link` that names nothing in `ends`, or undefined. */
export function unknownLinkEnd(link: string, ends: readonly LinkEnd[]): string | undefined {
  const { from, to } = parseLink(link);
  const all = [HOST_LINK_END, ...ends];
  return [from, to].find((spec) => !all.some((e) => endMatches(spec, e)));
}

/** The faults on the link from → to, in plan order. */
export function faultsOnLink(faults: readonly PlannedFault[], from: LinkEnd, to: LinkEnd): PlannedFault[] {
  return faults.filter((f) => {
    const l = parseLink(f.link);
    return endMatches(l.from, from) && endMatches(l.to, to);
  });
}

/** The fault's name: its own, or `<type>_<direction>` as toxiproxy names toxics. */
export function faultName(f: PlannedFault): string {
  return f.name ?? `${f.type}_${f.direction}`;
}

/**
 * One fault definition checked as a scenario's are: its type's schema, then its link's ends
 * against the lab's components, and a name no other fault of the lab has. `field` prefixes
 * the error's field (`faults.3`).
 */
export function parseFaultDefinition(def: unknown, ends: readonly LinkEnd[], others: readonly PlannedFault[], field: string): PlannedFault {
  const parsed = faultDefinitionSchema.safeParse(def);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    const at = [field, ...i.path.map(String)].filter(Boolean).join('.');
    throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', `${at}: ${i.message}`, { field: at });
  }
  const f = parsed.data as PlannedFault;
  const bad = unknownLinkEnd(f.link, ends);
  if (bad) throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', `fault ${f.type} on ${f.link}: "${bad}" is not a component, role or kind of this lab`, { field: `${field}.link` });
  if (others.some((o) => faultName(o) === faultName(f))) {
    throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', `a fault named ${faultName(f)} is already on this lab: give this one a name`, { field: `${field}.name` });
  }
  return f;
}

/** In words, for `plan` and reports. */
export function explainFault(f: PlannedFault): string {
  const t = faultType(f.type);
  const what = t ? t.explain(f as never) : f.type;
  return `${f.name ? `${f.name}: ` : ''}${f.type} on ${f.link} ${f.direction}: ${what}${f.toxicity < 1 ? ` (${Math.round(f.toxicity * 100)}% of connections)` : ''}.`;
}
