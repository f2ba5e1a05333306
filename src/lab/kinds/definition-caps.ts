/**
 * Caps: every list and string of a definition has a limit far above any real network design
 * and far below what would make loading or a lab slow. A definition over a cap is an input
 * error (exit 2) naming the field; README "Reliability" lists them. The lab's address plan is
 * sized for them. Shared by the component kinds' schemas and the scenario schema.
 */
import { z } from 'zod';

export const SCENARIO_CAPS = {
  proxies: 16,
  middleboxes: 10,
  pacServers: 32,
  pacFiles: 32,
  pacFileChars: 256 * 1024,
  cloudEndpoints: 140,
  extraHosts: 64,
  /** Cloud hosts of one lab: catalogue hosts + extraHosts, minus absent ones. */
  cloudHosts: 140,
  firewallRules: 256,
  dnsRecords: 1024,
  listEntries: 256,
  ports: 64,
  expectations: 64,
  /** Rounds of checks a scenario may ask for (expectation `attempt`). */
  attempts: 5,
  regFiles: 16,
  steps: 8,
  bypassChars: 64 * 1024,
  textChars: 4 * 1024,
  descriptionChars: 16 * 1024,
  nameChars: 63,
} as const;

const C = SCENARIO_CAPS;
export const text = (max: number = C.textChars) => z.string().max(max);
export const list = <T extends z.ZodType>(item: T, max: number = C.listEntries) => z.array(item).max(max);
export const componentName = z.string().max(C.nameChars).regex(/^[a-z0-9][a-z0-9-]*$/);
export const hostPattern = z.string().min(1).max(253 + 2).describe('a host name, `*.suffix` wildcard, or `*`');
export const port = z.number().int().min(1).max(65535);
