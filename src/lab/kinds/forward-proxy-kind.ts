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
  behaves: z.enum(['lab', 'squid']).optional().describe("lab (default): the built-in proxy's own answers; squid: answers denials and upstream failures as Squid 5.7 does (403 ERR_ACCESS_DENIED, 500 ERR_CANNOT_FORWARD, 503 ERR_CONNECT_FAIL, 407 or, for auth 401 / 403-with-challenge, its deny_info 401:/403:ERR_CACHE_ACCESS_DENIED, with Server/Via/X-Squid-Error)"),
  denyAs: z.enum(['status', 'reset']).optional().describe('how a policy denial is sent: status (default) or reset (a TCP reset, like Squid deny_info TCP_RESET)'),
  config: text(1000).optional().describe("squid only: a customer's own squid.conf (path relative to the scenario file, inside its folder); the engine adds only the lab's listen address, hosts file, resolver and log/pid paths, and comments out what would leave the lab (cache_peer, include, cache_dir)"),
  configText: text(1024 * 1024).optional().describe('set by the scenario loader from `config` (the file\'s text); not for scenario authors'),
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
    `, auth ${p.auth ?? 'none'}${p.upstream ? `, chained to ${p.upstream}` : ''}${p.onTargetFailure === 'close' ? ', closes without a status line when the target fails' : ''}${p.fault === 'hang' ? ', never answers CONNECT (fault)' : ''}${p.behaves === 'squid' ? ', answers its errors as Squid 5.7 does' : ''}${p.denyAs === 'reset' ? ', denies by resetting the connection' : ''}.` +
    (p.inferred ? ` Inferred, not observed: ${p.inferred}.` : ''),
  async start(def, env) {
    const { StartedForwardProxy } = await import('../forward-proxy.js');
    return StartedForwardProxy.start(def, env);
  },
});
