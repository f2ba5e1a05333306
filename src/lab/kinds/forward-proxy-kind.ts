/**
 * Kind `forward-proxy`: an explicit CONNECT proxy (forward-proxy.ts) with allowlist, ports,
 * authentication modes (including the field's 401/403-instead-of-407) and chaining.
 */
import { z } from 'zod';
import { defineComponentKind } from '../component-kind.js';

const hostPattern = z.string().min(1).describe('a host name, `*.suffix` wildcard, or `*`');
const port = z.number().int().min(1).max(65535);

export const forwardProxySchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  port: port.optional(),
  allow: z.array(hostPattern).optional(),
  ports: z.array(port).optional(),
  auth: z.enum(['none', 'basic', '401', '403-with-challenge']).optional(),
  credentials: z.strictObject({ username: z.string(), password: z.string() }).optional(),
  upstream: z.string().optional(),
  onTargetFailure: z.enum(['status', 'close']).optional(),
  fault: z.enum(['hang']).optional().describe('hang: accept CONNECT and never answer'),
});

export type ForwardProxyDefinition = z.infer<typeof forwardProxySchema>;
export type ProxyAuthMode = NonNullable<ForwardProxyDefinition['auth']>;

export const forwardProxyKind = defineComponentKind({
  type: 'forward-proxy',
  schema: forwardProxySchema,
  port: (def) => def.port ?? 8080,
  explain: (p) =>
    `Forward proxy ${p.name}:${p.port ?? 8080}: CONNECT to ${(p.allow ?? ['*']).join(', ')} on port(s) ${(p.ports ?? [443]).join(', ')}` +
    `, auth ${p.auth ?? 'none'}${p.upstream ? `, chained to ${p.upstream}` : ''}${p.onTargetFailure === 'close' ? ', closes without a status line when the target fails' : ''}${p.fault === 'hang' ? ', never answers CONNECT (fault)' : ''}.`,
  async start(def, env) {
    const { StartedForwardProxy } = await import('../forward-proxy.js');
    return StartedForwardProxy.start(def, env);
  },
});
