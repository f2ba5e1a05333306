/**
 * Kind `middlebox`: an SSL-inspecting explicit proxy (middlebox.ts): none, splice,
 * intercept (breaks mutual TLS) or intercept-mutual (presents the sensor's identity upstream).
 */
import { z } from 'zod';
import { defineComponentKind } from '../component-kind.js';
import { componentName, hostPattern, list, text } from './definition-caps.js';
const tlsVersion = z.enum(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
const tlsBounds = z.strictObject({ minTlsVersion: tlsVersion.optional(), maxTlsVersion: tlsVersion.optional() });

export const middleboxSchema = z
  .strictObject({
    name: componentName,
    port: z.number().int().min(1).max(65535).optional(),
    mode: z.enum(['none', 'splice', 'intercept', 'intercept-mutual']),
    spliceHosts: list(hostPattern)
      .optional()
      .describe('splice mode: SNI patterns tunnelled untouched (default *.atp.azure.com); an SSL inspection bypass list such as Zscaler\'s "Do Not Inspect" for mutual-TLS destinations'),
    sensorTls: tlsBounds.optional().describe('TLS versions offered to the sensor'),
    cloudTls: tlsBounds.optional().describe('TLS versions used toward the cloud'),
    blockPage: z
      .strictObject({
        status: z.number().int().min(400).max(599),
        body: text(64 * 1024),
        when: z
          .enum(['upstream-fails', 'always'])
          .optional()
          .describe("upstream-fails (default): the page answers the sensor's request when the middlebox's own TLS to the cloud fails; always: a policy block after the bump, every decrypted request is answered with the page and no request reaches the cloud (Squid's http_access deny after ssl_bump bump)"),
      })
      .optional()
      .describe('an HTTP answer the middlebox serves on the decrypted connection; with behaves: squid it carries Squid\'s headers (X-Squid-Error: ERR_ATPNL_BLOCK 0), as a deny_info page does'),
    behaves: z
      .enum(['lab', 'squid', 'mitmproxy'])
      .optional()
      .describe("lab (default): the built-in middlebox's own answers; squid: answers as a bumping Squid 5.7 does (500/503 with X-Squid-Error on CONNECT, 503 ERR_SECURE_CONNECT_FAIL inside the tunnel when its TLS to the cloud fails); mitmproxy: answers as mitmproxy 8.1.1 does (502 \"Cannot connect to …\" on CONNECT, its 502 page with its error text inside the tunnel)"),
    trustsCloudCa: z
      .boolean()
      .optional()
      .describe("false: the middlebox's own upstream trust store lacks the cloud's root (a mitmproxy ssl_verify_upstream_trusted_ca or Squid tls_outgoing_options cafile= set without it, an appliance whose CA bundle was never updated), so its TLS to the cloud fails certificate verification; default true"),
    clientCertificate: z
      .enum(['bypass', 'inspect', 'block'])
      .optional()
      .describe("FortiGate ssl-ssh-profile `set client-certificate`: when the server asks for a client certificate (learnt by probing the server first), bypass = splice the session uninspected, inspect = intercept without relaying the sensor's certificate, block = close the sensor's connection. Absent: the lab's own behaviour (intercept, no probe)"),
    exclusionCache: z
      .boolean()
      .optional()
      .describe("Palo Alto's Local SSL Decryption Exclusion Cache: a server that asks for a client certificate fails its first intercepted session and is then spliced (not decrypted) for 12 hours"),
    inspectionCa: z
      .strictObject({
        cert: text(1024).describe('PEM file: the CA that signs the forged leaves (RSA or ECDSA), optionally followed by its chain up to the root'),
        key: text(1024).describe("PEM file: the CA's private key, unencrypted, mode 0600"),
      })
      .optional()
      .describe("a customer's own inspection CA instead of the lab's (files relative to the scenario, inside its folder or an --allow-root); host.trust middlebox-ca then means this CA"),
    inspectionCaPem: z
      .strictObject({ certPem: text(1024 * 1024), keyPem: text(64 * 1024) })
      .optional()
      .describe('set by the scenario loader from inspectionCa (the files\' text); not for scenario authors'),
    implementation: z.enum(['lab', 'squid', 'mitmproxy']).optional().describe('lab (default): the built-in middlebox; squid: a real Squid ssl_bump; mitmproxy: a real mitmdump (kinds squid, mitmproxy)'),
    hostTrustsCa: z.boolean().optional().describe("set by the scenario from host.trust: whether the Windows host trusts the middlebox CA (explain only; the middlebox always presents its forged leaf)"),
  })
  .describe('an SSL-inspecting middlebox (explicit CONNECT proxy); whether the host trusts its CA is host.trust');

export type MiddleboxDefinition = z.infer<typeof middleboxSchema>;
export type MiddleboxMode = MiddleboxDefinition['mode'];
export type TlsVersionBounds = z.infer<typeof tlsBounds>;

export const middleboxKind = defineComponentKind({
  type: 'middlebox',
  schema: middleboxSchema,
  port: (def) => def.port ?? 8080,
  explain(m) {
    const what =
      m.mode === 'none' ? 'plain CONNECT tunnel, no inspection'
      : m.mode === 'splice' ? `splices ${(m.spliceHosts ?? ['*.atp.azure.com']).join(', ')} untouched and intercepts every other host`
      : m.mode === 'intercept' ? "intercepts TLS and re-originates it WITHOUT a client certificate (breaks the sensor's mutual authentication)"
      : "intercepts TLS and presents the sensor's certificate upstream (mutual inspection)";
    const tlsText = (side: string, b: TlsVersionBounds | undefined) => (b && (b.minTlsVersion || b.maxTlsVersion) ? `, ${side} TLS ${b.minTlsVersion ?? 'TLSv1.2'}..${b.maxTlsVersion ?? 'TLSv1.3'}` : '');
    return (
      `Middlebox ${m.name}:${m.port ?? 8080}: ${what}; the host ${m.hostTrustsCa ? 'trusts' : 'does NOT trust'} its CA` +
      `${tlsText('sensor-side', m.sensorTls)}${tlsText('cloud-side', m.cloudTls)}` +
      `${m.blockPage ? `, answers ${m.blockPage.status} (block page) ${m.blockPage.when === 'always' ? 'to every decrypted request (policy block after the bump)' : 'when the cloud side fails'}` : ''}` +
      `${m.trustsCloudCa === false ? ", does NOT trust the cloud's CA (its own TLS to the cloud fails verification)" : ''}` +
      `${m.clientCertificate ? `, FortiGate client-certificate ${m.clientCertificate} (probes each server for a CertificateRequest first)` : ''}` +
      `${m.exclusionCache ? ', Palo Alto exclusion cache (a server asking for a client certificate fails once, then is spliced for 12 h)' : ''}` +
      `${m.inspectionCa ? `, forges leaves with the customer CA ${m.inspectionCa.cert}` : ''}` +
      `${m.behaves === 'squid' ? ', answers its errors as Squid 5.7 does (503 ERR_SECURE_CONNECT_FAIL inside the tunnel when the cloud side fails)' : ''}` +
      `${m.behaves === 'mitmproxy' ? ', answers its errors as mitmproxy 8.1.1 does (502 with its error text inside the tunnel when the cloud side fails)' : ''}.`
    );
  },
  async start(def, env) {
    const { StartedMiddlebox } = await import('../middlebox.js');
    return StartedMiddlebox.start(def, env);
  },
});
