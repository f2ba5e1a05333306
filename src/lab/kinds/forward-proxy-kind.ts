/**
 * Kind `forward-proxy`: an explicit CONNECT proxy (forward-proxy.ts) with allowlist, ports,
 * authentication modes (including the field's 401/403-instead-of-407) and chaining.
 */
import { z } from 'zod';
import { defineComponentKind } from '../component-kind.js';
import { SCENARIO_CAPS as C, componentName, hostPattern, list, port, text } from './definition-caps.js';

export const forwardProxySchema = z.strictObject({
  name: componentName,
  port: port.optional(),
  allow: list(hostPattern).optional(),
  ports: list(port, C.ports).optional(),
  auth: z.enum(['none', 'basic', '401', '403-with-challenge']).optional(),
  credentials: z.strictObject({ username: text(256), password: text(256) }).optional(),
  upstream: text(C.nameChars).optional().describe('name of another proxy or a middlebox this proxy chains to'),
  onTargetFailure: z.enum(['status', 'close']).optional(),
  fault: z.enum(['hang']).optional().describe('hang: accept CONNECT and never answer'),
  implementation: z.enum(['lab', 'squid']).optional().describe('lab (default): the built-in proxy; squid: a real Squid with a config generated from these fields (kind squid)'),
  denyAs: z.enum(['status', 'reset']).optional().describe("squid only: how a policy denial is sent (reset: deny_info TCP_RESET)"),
  inferred: text(512).optional().describe('why this proxy exists in the lab when nobody observed it (scenario from-reg: named in a registry export); the lab cannot know whether the real one is still in service'),
});

export type ForwardProxyDefinition = z.infer<typeof forwardProxySchema>;
export type ProxyAuthMode = NonNullable<ForwardProxyDefinition['auth']>;

export const forwardProxyKind = defineComponentKind({
  type: 'forward-proxy',
  schema: forwardProxySchema,
  port: (def) => def.port ?? 8080,
  explain: (p) =>
    `Forward proxy ${p.name}:${p.port ?? 8080}: CONNECT to ${(p.allow ?? ['*']).join(', ')} on port(s) ${(p.ports ?? [443]).join(', ')}` +
    `, auth ${p.auth ?? 'none'}${p.upstream ? `, chained to ${p.upstream}` : ''}${p.onTargetFailure === 'close' ? ', closes without a status line when the target fails' : ''}${p.fault === 'hang' ? ', never answers CONNECT (fault)' : ''}.` +
    (p.inferred ? ` Inferred, not observed: ${p.inferred}.` : ''),
  async start(def, env) {
    const { StartedForwardProxy } = await import('../forward-proxy.js');
    return StartedForwardProxy.start(def, env);
  },
});
