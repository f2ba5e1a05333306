/**
 * Kind `squid`: a real Squid (Debian squid-openssl) standing where the built-in forward proxy
 * or middlebox would, configured from the same definition fields (`implementation: squid` on
 * a proxy or a middlebox). A proxy definition becomes a forward proxy (allow list, ports,
 * Basic auth); a middlebox definition becomes an ssl_bump middlebox (peek, splice, bump).
 */
import { z } from 'zod';
import { defineComponentKind } from '../component-kind.js';
import { findBinary } from '../child-process-component.js';
import { forwardProxyKind, forwardProxySchema } from './forward-proxy-kind.js';
import { middleboxKind, middleboxSchema } from './middlebox-kind.js';

export const SQUID_BINARIES = ['/usr/sbin/squid', 'squid'] as const;

// Squid's block page is a deny_info after the bump; a page instead of its own
// ERR_SECURE_CONNECT_FAIL when the cloud side fails is not something squid.conf can say.
// (Checked on the union: an issue raised inside one member is reported as "Invalid input".)
export const squidSchema = z.union([middleboxSchema, forwardProxySchema]).superRefine((d, ctx) => {
  if ('mode' in d && d.blockPage && d.blockPage.when !== 'always') {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['blockPage', 'when'], message: 'with implementation: squid, blockPage needs when: always (Squid answers a failed cloud side with its own 503 ERR_SECURE_CONNECT_FAIL)' });
  }
});
export type SquidDefinition = z.infer<typeof squidSchema>;

export function isMiddleboxDefinition(def: SquidDefinition): def is z.infer<typeof middleboxSchema> {
  return 'mode' in def;
}

export const squidKind = defineComponentKind({
  type: 'squid',
  schema: squidSchema,
  port: (def) => def.port ?? 8080,
  explain: (def) => `Real Squid (${isMiddleboxDefinition(def) ? 'ssl_bump middlebox' : 'forward proxy'}): ${isMiddleboxDefinition(def) ? middleboxKind.explain(def) : forwardProxyKind.explain(def)}`,
  unavailable: () => (findBinary(SQUID_BINARIES) ? undefined : 'squid is not installed (apt-get install squid-openssl)'),
  needsPlannedPorts: true,
  async start(def, env) {
    const { StartedSquid } = await import('../squid.js');
    return StartedSquid.start(def, env);
  },
});
