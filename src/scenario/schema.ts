/**
 * The scenario file format: one zod definition, from which come validation (with file:line
 * errors, see load-scenario.ts), the TypeScript types, and the committed JSON Schema for
 * editors (scenarios/schema.json). Unknown keys are errors everywhere.
 */
import { z } from 'zod';
import { REGIONS, SENSOR_GENERATION_IDS, type SensorGenerationId } from '../catalog/index.js';
import { IDENTITIES } from '../identity.js';
import { MATRIX_METHODS } from '../probe/matrix-methods.js';
import { PROBE_CODE_NAMES, PROBE_STEPS } from '../probe/outcome.js';

import { faultListSchema } from '../lab/faults/index.js';
import { SCENARIO_CAPS, hostPattern, list, port, text } from '../lab/kinds/definition-caps.js';
import { cloudEndpointSchema as cloudEndpointKindSchema } from '../lab/kinds/cloud-endpoint-kind.js';
import { forwardProxySchema } from '../lab/kinds/forward-proxy-kind.js';
import { middleboxSchema as middleboxKindSchema } from '../lab/kinds/middlebox-kind.js';
import { pacServerSchema as pacServerKindSchema } from '../lab/kinds/pac-server-kind.js';
import { transparentProxySchema } from '../lab/kinds/transparent-proxy-kind.js';

export { SCENARIO_CAPS };
const C = SCENARIO_CAPS;
const identity = z.enum(IDENTITIES);

export const identitySettingsSchema = z
  .strictObject({
    proxy: text().optional().describe('WinINET proxy string as the Internet Options dialog stores it: `host:port`, or per scheme `http=h:p;https=h:p`. Omit for no proxy.'),
    bypass: text(C.bypassChars).optional().describe('bypass list, `;`-separated, `*` wildcards, `<local>`'),
    pac: text(2048).optional().describe('automatic configuration script URL (http://...)'),
    autoDetect: z.boolean().optional().describe('"Automatically detect settings" (WPAD)'),
    clientCert: z.enum(['enrolled', 'unenrolled', 'none']).optional().describe('which certificate the sensor presents when this identity runs it (default: enrolled)'),
    proxyCredentials: z.strictObject({ username: text(256), password: text(256) }).optional().describe('only an interactive user can answer a proxy challenge'),
  })
  .describe("one identity's WinINET settings, encoded into a real DefaultConnectionSettings blob in its hive");

const proxyCopyStep = z.strictObject({
  'proxy-copy': z.strictObject({ targets: z.array(identity).min(1).max(IDENTITIES.length).optional() }),
});

export const hostSchema = z.strictObject({
  identities: z.partialRecord(identity, identitySettingsSchema).default({}),
  reg: list(text(1024), C.regFiles).optional().describe('.reg files (relative to the scenario, inside its folder or an --allow-root) imported into the host registry before the declarative settings'),
  machine: identitySettingsSchema.optional().describe('HKLM DefaultConnectionSettings (used when ProxySettingsPerUser is 0)'),
  proxySettingsPerUser: z.union([z.literal(0), z.literal(1)]).optional(),
  winhttp: z.strictObject({ proxy: text().optional(), bypass: text(C.bypassChars).optional() }).optional().describe('netsh winhttp set proxy'),
  telemetryProxyServer: text(261)
    .optional()
    .describe('HKLM\\Software\\Policies\\Microsoft\\Windows\\DataCollection TelemetryProxyServer (REG_SZ host:port): the Defender for Endpoint static proxy a v3 sensor uses'),
  sensorConfiguration: z
    .strictObject({
      file: text(1024).optional().describe('a SensorConfiguration.json inside the scenario folder (or an --allow-root); read bounded, as the real probe reads it'),
      url: text(2048).optional().describe('SensorProxyConfiguration.Url (overrides the file\'s)'),
      userName: text(256).optional().describe('SensorProxyConfiguration.UserName (overrides the file\'s)'),
      password: text(256)
        .optional()
        .describe('the password the real sensor decrypts from EncryptedUserPasswordData on the host (lab only; never printed)'),
    })
    .refine((c) => c.file !== undefined || c.url !== undefined, { message: 'give file or url' })
    .optional()
    .describe("the v2 sensor's own proxy (SensorConfiguration.json SensorProxyConfiguration): with sensor v2 it takes precedence over WinINET for the sensor service (LocalService)"),
  trust: z.array(z.enum(['cloud-root', 'middlebox-ca'])).max(2).default(['cloud-root']).describe('roots in the host trust store'),
  steps: list(z.union([z.literal('proxy-copy'), proxyCopyStep]), C.steps).default([]).describe('admin steps run on the host registry before probing'),
  prerequisites: z
    .strictObject({
      updater: z.enum(['running', 'stopped']).default('running').describe('the sensor updater service, listening on localhost TCP 444 when running'),
      updaterPortFirewall: z.enum(['allow', 'drop']).default('allow').describe('the host firewall policy for localhost TCP 444 (drop: the sensor cannot reach its updater)'),
      dotnetTls: z
        .strictObject({ SystemDefaultTlsVersions: z.number().int().min(0).max(1).optional(), SchUseStrongCrypto: z.number().int().min(0).max(1).optional() })
        .optional()
        .describe('.NET Framework TLS values written to both registry views (a value left out is missing); checked when given'),
      machineRoots: z
        .array(z.enum(['DigiCert Global Root G2', 'DigiCert Global Root CA', 'Baltimore CyberTrust Root']))
        .max(3)
        .optional()
        .describe('the published roots in Cert:\\LocalMachine\\Root (the real certificates, matched by fingerprint); checked against the cloud\'s required root when given'),
      clockSkewMs: z.number().int().min(-31_536_000_000).max(31_536_000_000).default(0).describe('host clock minus the cloud\'s (the lab cloud stamps Date this far off)'),
    })
    .optional()
    .describe('host prerequisites that look like cloud failures (step host): updater port, .NET TLS values, machine roots, clock skew'),
});

const firewallRule = z.strictObject({
  to: text(255).describe('component name, lab host pattern, address, or *'),
  port: port.optional(),
  action: z.enum(['allow', 'drop', 'reject']),
});

// Component definitions come from their kinds (lab/kinds): one declaration each, caps
// included. The scenario leaves out what it derives itself (a middlebox's hostTrustsCa comes
// from host.trust; the revocation server's aliases come from the catalogue).
const proxySchema = forwardProxySchema;
const pacServerSchema = pacServerKindSchema.omit({ aliases: true });
const middleboxSchema = middleboxKindSchema.omit({ hostTrustsCa: true }).describe('an SSL-inspecting middlebox (explicit CONNECT proxy); whether the host trusts its CA is host.trust');
const cloudEndpointSchema = cloudEndpointKindSchema.extend({ absent: z.boolean().optional().describe('no endpoint and no DNS record for this host') });

export const networkSchema = z.strictObject({
  domain: text(253).default('contoso.example'),
  firewall: z
    .strictObject({ default: z.enum(['allow', 'drop', 'reject']).default('allow'), rules: list(firewallRule, C.firewallRules).default([]) })
    .default({ default: 'allow', rules: [] }),
  proxies: list(proxySchema, C.proxies).default([]),
  pacServers: list(pacServerSchema, C.pacServers).default([]),
  middleboxes: list(middleboxSchema, C.middleboxes).default([]),
  transparentProxy: transparentProxySchema.optional(),
  dns: z
    .strictObject({
      records: z
        .record(text(253), text(253))
        .refine((r) => Object.keys(r).length <= C.dnsRecords, { message: `at most ${C.dnsRecords} DNS records` })
        .optional()
        .describe('name → lab component name, cloud host, or loopback address'),
      remove: list(text(253), C.dnsRecords).optional(),
    })
    .optional(),
});

export const expectationSchema = z.strictObject({
  identities: z.union([z.literal('all'), z.array(identity).min(1).max(IDENTITIES.length)]).default('all'),
  hosts: z.union([z.enum(['all', 'workspace', 'regional', 'extra']), list(hostPattern).min(1)]).default('all'),
  check: z.enum(['full', 'ping']).default('full').describe('full = ping + authenticated call (the sensor); ping = what a browser test shows'),
  method: z
    .union([z.enum(MATRIX_METHODS), z.array(z.enum(MATRIX_METHODS)).min(1).max(MATRIX_METHODS.length)])
    .optional()
    .describe('probe --matrix in the lab: check under this proxy method (or these) instead of the route the identity takes; a method with no setting for the identity is code ROUTE_NOT_CONFIGURED. Reports show these checks as a matrix'),
  attempt: z
    .number()
    .int()
    .min(1)
    .max(C.attempts)
    .optional()
    .describe('run these checks in round N (default 1): every check of a round finishes before the next round starts, for a middlebox that learns from an earlier connection (e.g. Palo Alto\'s decryption exclusion cache: the first attempt fails, a later one passes)'),
  reachable: z.boolean(),
  step: z.enum(PROBE_STEPS).optional(),
  code: z.enum(PROBE_CODE_NAMES as [string, ...string[]]).optional(),
  inspected: z.boolean().optional(),
  route: text(1024).optional().describe('prefix of the observed route, e.g. `PROXY`, `DIRECT`, `TRANSPARENT`'),
  routeSource: z.enum(['wininet-static', 'pac', 'wpad', 'winhttp', 'telemetry-proxy-server', 'sensor-config', 'named-proxy', 'none', 'scenario']).optional(),
  pingAnswer: z.enum(['legacy-503', 'ok-200', 'version-200', 'v3-cnc-500']).optional().describe('which of the cloud\'s era answers must have proved reachability'),
  detailIncludes: text(1024).optional(),
  warningIncludes: text(1024).optional().describe('a warning of the outcome must mention this (e.g. revocation, inspection)'),
  confirm: text(1024)
    .optional()
    .describe('observe and confirm: the outcome above is what the lab showed through a component it inferred (e.g. a proxy named in a registry export); confirm it on the real host. Reports list it apart from plain passes'),
});

export const scenarioSchema = z.strictObject({
  name: z.string().max(C.nameChars).regex(/^[a-z0-9][a-z0-9-]*$/, 'kebab-case'),
  description: z.string().min(40, 'say in a paragraph which real-world situation this models').max(C.descriptionChars),
  twinOf: z.string().max(C.nameChars).regex(/^[a-z0-9][a-z0-9-]*$/, 'kebab-case').optional().describe('the in-process scenario this one copies with a real Squid or mitmproxy; test/scenario/twin-pairs.test.ts requires both to observe the same step and code'),
  sensor: z
    .enum(SENSOR_GENERATION_IDS as [SensorGenerationId, ...SensorGenerationId[]])
    .default('v2-wininet')
    .describe('sensor generation: v2-wininet = the legacy WinINET copy (LocalService/LocalSystem); v2 = the sensor\'s own SensorConfiguration.json proxy first; v3 = Defender for Endpoint connectivity (WinHTTP as LocalSystem, MDE endpoints, /cnc/identity/api)'),
  region: z.enum(REGIONS).optional(),
  workspace: text(C.nameChars).optional(),
  cloud: z.enum(['commercial', 'gcc', 'gcc-high']).optional(),
  editions: z.array(z.enum(['seed-2018', 'table-2020', 'workspace'])).max(3).optional(),
  extraHosts: list(text(253), C.extraHosts).default([]).describe('other hosts the lab serves and the probe checks (e.g. a non-ATP site)'),
  cloudEndpoints: z.object({ legacy: z.boolean().optional(), pingAnswer: cloudEndpointKindSchema.shape.pingAnswer, endpoints: list(cloudEndpointSchema, C.cloudEndpoints).optional() }).strict().default({}),
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
      engines: list(text(C.nameChars), 8).min(1).optional().describe('engines that can run this scenario; under any other it is skipped with the reason'),
      kinds: list(text(C.nameChars), 32).min(1).optional().describe('component kinds the engine must provide (e.g. squid); a run without them skips the scenario with the reason'),
    })
    .optional(),
  faults: faultListSchema
    .default([])
    .describe('faults on the lab\'s links, as toxiproxy\'s toxics: each a type (latency, bandwidth, timeout, reset_peer, slow_close, slicer, limit_data, idle_timeout, reset_after_client_hello), a link (`host->proxy`, `proxy->middlebox`, `middlebox->cloud`, `host->pac`), a direction and a toxicity'),
  matrix: z
    .strictObject({ namedProxy: text().optional().describe('the proxy the engineer names (probe --matrix --proxy): a WinINET proxy string, e.g. corp-proxy:8080') })
    .optional()
    .describe('inputs of the proxy-method matrix (expectations with method:); without namedProxy the named-proxy method is not configured'),
  expect: list(expectationSchema, C.expectations).min(1),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type Expectation = z.infer<typeof expectationSchema>;
export type IdentitySettings = z.infer<typeof identitySettingsSchema>;

export function scenarioJsonSchema(): object {
  return { $id: 'https://atp-netlab.invalid/scenario.schema.json', title: 'atp-netlab scenario', ...z.toJSONSchema(scenarioSchema, { io: 'input' }) };
}
