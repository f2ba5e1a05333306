/**
 * Kind `cloud-endpoint`: one sensorapi host of the mock cloud (mock-cloud.ts), TLS 1.2+ on
 * port 443 with the sensor's client certificate requested or required.
 */
import { z } from 'zod';
import { defineComponentKind } from '../component-kind.js';
import { text } from './definition-caps.js';

export const cloudEndpointSchema = z.strictObject({
  host: text(253),
  legacy: z.boolean().optional().describe('older workspaces answer ping with 503 Service Unavailable (still proves connectivity)'),
  certificate: z.enum(['valid', 'expired', 'wrong-host', 'untrusted']).optional(),
  clientCert: z.enum(['request', 'require']).optional().describe('request: ask for a client certificate and judge it per request (401); require: reject in the handshake'),
  maxTlsVersion: z.enum(['TLSv1.2', 'TLSv1.3']).optional(),
  fault: z.enum(['hang', 'plain-http']).optional().describe('hang: accept TLS and the request, never answer; plain-http: answer port 443 in plain HTTP'),
  pingStatus: z.number().int().min(100).max(599).optional(),
  dateOffsetMs: z.number().int().min(-31_536_000_000).max(31_536_000_000).optional().describe('the Date header is this far from the real clock (a skewed host is modelled this way)'),
  pingAnswer: z
    .enum(['ok', 'version', 'legacy-503'])
    .optional()
    .describe('which era the v2 ping answer comes from: ok = 200 "Ok" (default), version = 200 with the latest sensor version number (current workspaces), legacy-503 = 503 (older workspaces; same as legacy: true)'),
});

export type CloudHostDefinition = z.infer<typeof cloudEndpointSchema>;

export const cloudEndpointKind = defineComponentKind({
  type: 'cloud-endpoint',
  schema: cloudEndpointSchema,
  port: () => 443,
  dnsNames: (def) => [def.host],
  explain(h) {
    const quirks = [
      (h.legacy || h.pingAnswer === 'legacy-503') && 'ping answers 503 (legacy)',
      h.pingAnswer === 'version' && 'ping answers a sensor version number',
      h.certificate && h.certificate !== 'valid' && `${h.certificate} certificate`,
      h.clientCert === 'require' && 'requires a client certificate in the handshake',
      h.maxTlsVersion && `max ${h.maxTlsVersion}`,
      h.fault === 'hang' && 'never answers (fault)',
      h.fault === 'plain-http' && 'answers plain HTTP on 443 (fault)',
      h.pingStatus && `ping answers ${h.pingStatus}`,
    ].filter(Boolean);
    return `Cloud endpoint ${h.host}:443 (TLS 1.2+, client certificate requested)${quirks.length ? `: ${quirks.join(', ')}` : ''}.`;
  },
  async start(def, env) {
    const { StartedMockCloud } = await import('../mock-cloud.js');
    return StartedMockCloud.start(def, env);
  },
});
