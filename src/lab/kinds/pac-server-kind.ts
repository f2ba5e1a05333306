/**
 * Kind `pac-server`: a lab web server on port 80 (pac-server.ts) for PAC files, WPAD (the
 * one named `wpad`) and certificate revocation lists (aliases such as crl.microsoft.com).
 */
import { z } from 'zod';
import { defineComponentKind } from '../component-kind.js';

export const pacServerSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  files: z.record(z.string().startsWith('/'), z.string()).default({}).describe('path → body; a key ending in `*` serves every path with that prefix'),
  down: z.boolean().optional().describe('serve nothing (every request 404): a PAC URL that is down'),
  aliases: z.array(z.string()).optional().describe('more DNS names for the same server (e.g. crl.microsoft.com)'),
});

export type PacServerDefinition = z.infer<typeof pacServerSchema>;

export const pacServerKind = defineComponentKind({
  type: 'pac-server',
  schema: pacServerSchema,
  port: () => 80,
  dnsNames: (def) => def.aliases ?? [],
  explain: (w) => `PAC server ${w.name}:80${w.down ? ' (down: every request 404)' : ''} serving ${Object.keys(w.files).join(', ') || 'nothing'}${w.name === 'wpad' ? ' (WPAD)' : ''}.`,
  async start(def, env) {
    const { StartedPacServer } = await import('../pac-server.js');
    return StartedPacServer.start(def, env);
  },
});
