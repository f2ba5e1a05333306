/**
 * Kind `transparent-proxy`: the host has no proxy setting; the network diverts its port-443
 * traffic to cloud addresses here (a plan diversion), and it tunnels by SNI or hands the
 * connection to a middlebox over CONNECT (transparent-proxy.ts).
 */
import { z } from 'zod';
import { defineComponentKind } from '../component-kind.js';
import { SCENARIO_CAPS as C, componentName, hostPattern, list, text } from './definition-caps.js';

export const transparentProxySchema = z.strictObject({
  name: componentName.optional(),
  divert: list(hostPattern).optional().describe('cloud host patterns the network diverts (default: every cloud host)'),
  middlebox: text(C.nameChars).optional().describe('hand diverted connections to this middlebox (inspection)'),
});

export type TransparentProxyDefinition = z.infer<typeof transparentProxySchema>;
export const TRANSPARENT_PROXY_PORT = 443;

export const transparentProxyKind = defineComponentKind({
  type: 'transparent-proxy',
  schema: transparentProxySchema,
  port: () => TRANSPARENT_PROXY_PORT,
  explain: (t) =>
    `Transparent proxy ${t.name ?? 'transparent-proxy'}: the network diverts the host's port-443 traffic to ${(t.divert ?? ['every cloud host']).join(', ')}` +
    ` and ${t.middlebox ? `hands it to middlebox ${t.middlebox}` : 'tunnels it to the endpoint named by the SNI'}.`,
  async start(def, env) {
    const { StartedTransparentProxy } = await import('../transparent-proxy.js');
    return StartedTransparentProxy.start(def, env);
  },
});
