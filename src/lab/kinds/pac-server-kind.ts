/**
 * Kind `pac-server`: a lab web server on port 80 (pac-server.ts) for PAC files, WPAD (the
 * one named `wpad`) and certificate revocation lists (aliases such as crl.microsoft.com).
 */
import { z } from 'zod';
import { defineComponentKind } from '../component-kind.js';
import { SCENARIO_CAPS as C, componentName, list, text } from './definition-caps.js';

export const pacServerSchema = z.strictObject({
  name: componentName,
  files: z
    .record(z.string().max(1024).startsWith('/'), text(C.pacFileChars))
    .refine((f) => Object.keys(f).length <= C.pacFiles, { message: `at most ${C.pacFiles} files per PAC server` })
    .default({}).describe('path → body; a key ending in `*` serves every path with that prefix'),
  down: z.boolean().optional().describe('serve nothing (every request 404): a PAC URL that is down'),
  aliases: list(text(253)).optional().describe('more DNS names for the same server (e.g. crl.microsoft.com)'),
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
