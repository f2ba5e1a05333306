/**
 * Kind `mitmproxy`: a real mitmdump (Debian mitmproxy 8.1.1) standing where the built-in
 * middlebox would (`implementation: mitmproxy` on a middlebox), configured from the same
 * fields: intercept (no client certificate upstream), intercept-mutual (`client_certs` = the
 * sensor's identity), splice (`ignore_hosts` from spliceHosts), none (every host ignored),
 * TLS bounds (the tls_version_client and tls_version_server options). It trusts only the lab cloud root upstream.
 */
import { defineComponentKind } from '../component-kind.js';
import { findBinary } from '../child-process-component.js';
import { middleboxKind, middleboxSchema } from './middlebox-kind.js';

export const MITMDUMP_BINARIES = ['/usr/bin/mitmdump', 'mitmdump'] as const;

// A block page needs an addon of its own; until then the kind refuses it instead of ignoring it.
export const mitmproxySchema = middleboxSchema.refine((d) => !d.blockPage, { message: 'blockPage is not supported with implementation: mitmproxy', path: ['blockPage'] });
export type MitmproxyDefinition = typeof mitmproxySchema._output;

export const mitmproxyKind = defineComponentKind({
  type: 'mitmproxy',
  schema: mitmproxySchema,
  port: (def) => def.port ?? 8080,
  explain: (def) => `Real mitmproxy (mitmdump): ${middleboxKind.explain(def)}`,
  unavailable: () => (findBinary(MITMDUMP_BINARIES) ? undefined : 'mitmdump is not installed (apt-get install mitmproxy)'),
  needsPlannedPorts: true,
  async start(def, env) {
    const { StartedMitmproxy } = await import('../mitmproxy.js');
    return StartedMitmproxy.start(def, env);
  },
});
