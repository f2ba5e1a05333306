/**
 * The scenario file format: one zod definition, from which come validation (with file:line
 * errors, see load-scenario.ts), the TypeScript types, and the committed JSON Schema for
 * editors (scenarios/schema.json). Unknown keys are errors everywhere.
 */
import { z } from 'zod';
import { REGIONS } from '../catalog/index.js';
import { IDENTITIES } from '../identity.js';
import { PROBE_CODE_NAMES, PROBE_STEPS } from '../probe/outcome.js';
import { cloudEndpointSchema as cloudEndpointKindSchema } from '../lab/kinds/cloud-endpoint-kind.js';
import { forwardProxySchema } from '../lab/kinds/forward-proxy-kind.js';
import { middleboxSchema as middleboxKindSchema } from '../lab/kinds/middlebox-kind.js';
import { pacServerSchema as pacServerKindSchema } from '../lab/kinds/pac-server-kind.js';
import { transparentProxySchema } from '../lab/kinds/transparent-proxy-kind.js';

const identity = z.enum(IDENTITIES);
const hostPattern = z.string().min(1).describe('a host name, `*.suffix` wildcard, or `*`');
const port = z.number().int().min(1).max(65535);

export const identitySettingsSchema = z
  .strictObject({
    proxy: z.string().optional().describe('WinINET proxy string as the Internet Options dialog stores it: `host:port`, or per scheme `http=h:p;https=h:p`. Omit for no proxy.'),
    bypass: z.string().optional().describe('bypass list, `;`-separated, `*` wildcards, `<local>`'),
    pac: z.string().optional().describe('automatic configuration script URL (http://...)'),
    autoDetect: z.boolean().optional().describe('"Automatically detect settings" (WPAD)'),
    clientCert: z.enum(['enrolled', 'unenrolled', 'none']).optional().describe('which certificate the sensor presents when this identity runs it (default: enrolled)'),
    proxyCredentials: z.strictObject({ username: z.string(), password: z.string() }).optional().describe('only an interactive user can answer a proxy challenge'),
  })
  .describe("one identity's WinINET settings, encoded into a real DefaultConnectionSettings blob in its hive");

const proxyCopyStep = z.strictObject({
  'proxy-copy': z.strictObject({ targets: z.array(identity).min(1).optional() }),
});

export const hostSchema = z.strictObject({
  identities: z.partialRecord(identity, identitySettingsSchema).default({}),
  reg: z.array(z.string()).optional().describe('.reg files (relative to the scenario) imported into the host registry before the declarative settings'),
  machine: identitySettingsSchema.optional().describe('HKLM DefaultConnectionSettings (used when ProxySettingsPerUser is 0)'),
  proxySettingsPerUser: z.union([z.literal(0), z.literal(1)]).optional(),
  winhttp: z.strictObject({ proxy: z.string().optional(), bypass: z.string().optional() }).optional().describe('netsh winhttp set proxy'),
  trust: z.array(z.enum(['cloud-root', 'middlebox-ca'])).default(['cloud-root']).describe('roots in the host trust store'),
  steps: z.array(z.union([z.literal('proxy-copy'), proxyCopyStep])).default([]).describe('admin steps run on the host registry before probing'),
});

const firewallRule = z.strictObject({
  to: z.string().describe('component name, lab host pattern, address, or *'),
  port: port.optional(),
  action: z.enum(['allow', 'drop', 'reject']),
});

// Component definitions come from their kinds (lab/kinds): one declaration each. The scenario
// leaves out what it derives itself (a middlebox's hostTrustsCa comes from host.trust).
const proxySchema = forwardProxySchema;
const pacServerSchema = pacServerKindSchema.omit({ aliases: true });
const middleboxSchema = middleboxKindSchema.omit({ hostTrustsCa: true }).describe('an SSL-inspecting middlebox (explicit CONNECT proxy); whether the host trusts its CA is host.trust');
const cloudEndpointSchema = cloudEndpointKindSchema.extend({ absent: z.boolean().optional().describe('no endpoint and no DNS record for this host') });

export const networkSchema = z.strictObject({
  domain: z.string().default('contoso.example'),
  firewall: z
    .strictObject({ default: z.enum(['allow', 'drop', 'reject']).default('allow'), rules: z.array(firewallRule).default([]) })
    .default({ default: 'allow', rules: [] }),
  proxies: z.array(proxySchema).default([]),
  pacServers: z.array(pacServerSchema).default([]),
  middleboxes: z.array(middleboxSchema).default([]),
  transparentProxy: transparentProxySchema.optional(),
  dns: z.strictObject({ records: z.record(z.string(), z.string()).optional(), remove: z.array(z.string()).optional() }).optional(),
});

export const expectationSchema = z.strictObject({
  identities: z.union([z.literal('all'), z.array(identity).min(1)]).default('all'),
  hosts: z.union([z.enum(['all', 'workspace', 'regional', 'extra']), z.array(hostPattern).min(1)]).default('all'),
  check: z.enum(['full', 'ping']).default('full').describe('full = ping + authenticated call (the sensor); ping = what a browser test shows'),
  reachable: z.boolean(),
  step: z.enum(PROBE_STEPS).optional(),
  code: z.enum(PROBE_CODE_NAMES as [string, ...string[]]).optional(),
  inspected: z.boolean().optional(),
  route: z.string().optional().describe('prefix of the observed route, e.g. `PROXY`, `DIRECT`, `TRANSPARENT`'),
  routeSource: z.enum(['wininet-static', 'pac', 'wpad', 'winhttp', 'sensor-config', 'none', 'scenario']).optional(),
  detailIncludes: z.string().optional(),
  warningIncludes: z.string().optional().describe('a warning of the outcome must mention this (e.g. revocation, inspection)'),
});

export const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'kebab-case'),
  description: z.string().min(40, 'say in a paragraph which real-world situation this models'),
  region: z.enum(REGIONS).optional(),
  workspace: z.string().optional(),
  cloud: z.enum(['commercial', 'gcc', 'gcc-high']).optional(),
  editions: z.array(z.enum(['seed-2018', 'table-2020', 'workspace'])).optional(),
  extraHosts: z.array(z.string()).default([]).describe('other hosts the lab serves and the probe checks (e.g. a non-ATP site)'),
  cloudEndpoints: z.object({ legacy: z.boolean().optional(), endpoints: z.array(cloudEndpointSchema).optional() }).strict().default({}),
  network: networkSchema.default({ domain: 'contoso.example', firewall: { default: 'allow', rules: [] }, proxies: [], pacServers: [], middleboxes: [] }),
  host: hostSchema.default({ identities: {}, trust: ['cloud-root'], steps: [] }),
  revocation: z
    .enum(['off', 'warn', 'enforce'])
    .default('off')
    .describe('check the certificate revocation hosts too: warn = report unreachable ones as warnings; enforce = the host enforces revocation, so they fail the check (TLS_REVOCATION_UNREACHABLE)'),
  timeouts: z
    .strictObject({
      tcpMs: z.number().int().positive().max(60_000).optional(),
      proxyMs: z.number().int().positive().max(60_000).optional(),
      tlsMs: z.number().int().positive().max(60_000).optional(),
      httpMs: z.number().int().positive().max(60_000).optional(),
      totalMs: z.number().int().positive().max(120_000).optional(),
    })
    .optional()
    .describe('per-step deadlines of the probe in this lab (defaults: tcp 150, proxy/tls/http 3000, total 8000 ms)'),
  requires: z
    .strictObject({
      engines: z.array(z.string()).min(1).optional().describe('engines that can run this scenario; under any other it is skipped with the reason'),
      kinds: z.array(z.string()).min(1).optional().describe('component kinds the engine must provide (e.g. squid); a run without them skips the scenario with the reason'),
    })
    .optional(),
  expect: z.array(expectationSchema).min(1),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type Expectation = z.infer<typeof expectationSchema>;
export type IdentitySettings = z.infer<typeof identitySettingsSchema>;

export function scenarioJsonSchema(): object {
  return { $id: 'https://atp-netlab.invalid/scenario.schema.json', title: 'atp-netlab scenario', ...z.toJSONSchema(scenarioSchema, { io: 'input' }) };
}
