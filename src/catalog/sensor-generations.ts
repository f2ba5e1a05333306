/**
 * The sensor generations a customer runs, side by side, as data. Scenario and probe wiring
 * (`sensor:` field, `probe --sensor`) joins on these ids later (issue 14, part 1).
 *
 *                v2-wininet               v2                               v3
 *   proxy from   WinINET per identity     SensorConfiguration.json         WinHTTP as LocalSystem:
 *                (LocalService sensor,    SensorProxyConfiguration         transparent / WPAD,
 *                LocalSystem updater)     {Url, UserName, Encrypted…}      TelemetryProxyServer,
 *                                         (takes precedence over WinINET)  netsh winhttp
 *   proxy auth   not answerable (407      the sensor holds credentials     unsupported: "enforcing
 *                fails)                                                    proxy (user) authentication
 *                                                                          breaks connectivity"
 *   endpoints    <ws>sensorapi.atp.azure.com (+ CRL hosts, port 80)        MDE streamlined or standard
 *   test path    /tri/sensor/api/ping                                      /cnc/identity/api (unverified)
 */
import type { PingAnswer, SensorGenerationId } from './ping-answers.js';
import { PING_ANSWERS, V2_PING_PATH, V3_CONNECTIVITY_PATH } from './ping-answers.js';
import type { SourceKey } from './sources.js';

export type { SensorGenerationId } from './ping-answers.js';
export const SENSOR_GENERATION_IDS: readonly SensorGenerationId[] = ['v2-wininet', 'v2', 'v3'];

export type ProxySource = 'wininet' | 'sensor-config' | 'transparent' | 'wpad' | 'telemetry-proxy-server' | 'netsh-winhttp';

export interface SensorGeneration {
  id: SensorGenerationId;
  title: string;
  /** Where the sensor's proxy comes from, in order of precedence. */
  proxySources: readonly ProxySource[];
  /** The identities whose settings decide the route. */
  identities: readonly ('LocalService' | 'LocalSystem')[];
  proxyUserAuth: 'not-answerable' | 'sensor-holds-credentials' | 'unsupported';
  endpointSet: 'workspace' | 'mde';
  testPath: string;
  /** How the generation is configured, in Microsoft's words (for reports and the README). */
  configure: readonly string[];
  requires?: string;
  sources: readonly { key: SourceKey; section: string }[];
}

export const SENSOR_GENERATIONS: Readonly<Record<SensorGenerationId, SensorGeneration>> = {
  'v2-wininet': {
    id: 'v2-wininet',
    title: 'v2.x, legacy WinINET proxy',
    proxySources: ['wininet', 'transparent', 'wpad'],
    identities: ['LocalService', 'LocalSystem'],
    proxyUserAuth: 'not-answerable',
    endpointSet: 'workspace',
    testPath: V2_PING_PATH,
    configure: [
      'copy HKCU DefaultConnectionSettings to HKU\\S-1-5-18 and HKU\\S-1-5-19 (back up first)',
      'WinHTTP alone is not enough: WinINET must still be configured',
      'no WinINET configuration with a transparent proxy or WPAD',
    ],
    sources: [
      { key: 'mdiConfigureProxy', section: 'Change proxy configuration using legacy methods' },
      { key: 'facts', section: '1. What the sensor needs (the seed)' },
    ],
  },
  v2: {
    id: 'v2',
    title: 'v2.x, the sensor\'s own proxy',
    proxySources: ['sensor-config', 'wininet', 'transparent', 'wpad'],
    identities: ['LocalService', 'LocalSystem'],
    proxyUserAuth: 'sensor-holds-credentials',
    endpointSet: 'workspace',
    testPath: V2_PING_PATH,
    configure: [
      'installer: "Azure ATP sensor Setup.exe" ProxyUrl=… ProxyUserName=DOMAIN\\user ProxyUserPassword=…',
      'Microsoft.Tri.Sensor.Deployment.Deployer.exe ProxyUrl=… | ClearProxyConfiguration',
      'Set-MDISensorProxyConfiguration -ProxyUrl … [-ProxyCredential …] / Get- / Clear-',
      'stored in SensorConfiguration.json: SensorProxyConfiguration { Url, UserName, EncryptedUserPasswordData }',
    ],
    sources: [
      { key: 'mdiConfigureProxy', section: 'Change proxy configuration using the CLI / using PowerShell' },
      { key: 'mdiPowerShellModule', section: 'Get-MDISensorConfiguration, Set-MDISensorProxyConfiguration' },
      { key: 'mdiKnownIssues', section: 'Sensor installation fails due to network connectivity issues' },
    ],
  },
  v3: {
    id: 'v3',
    title: 'v3.x, on Defender for Endpoint',
    proxySources: ['transparent', 'wpad', 'telemetry-proxy-server', 'netsh-winhttp'],
    identities: ['LocalSystem'],
    proxyUserAuth: 'unsupported',
    endpointSet: 'mde',
    testPath: V3_CONNECTIVITY_PATH,
    configure: [
      'activated from the Defender portal; no installer proxy switches',
      'HKLM\\Software\\Policies\\Microsoft\\Windows\\DataCollection TelemetryProxyServer = host:port (REG_SZ), DisableEnterpriseAuthProxy = 1',
      'netsh winhttp set proxy host:port',
      'allow *.endpoint.security.microsoft.com (streamlined) or the standard MDE URL set, and the CRL hosts on port 80',
    ],
    requires: 'Windows Server 2019 or later, Defender for Endpoint deployed, no v2.x sensor, March 2026 or later cumulative update',
    sources: [
      { key: 'mdiDeploySensorV3', section: 'Server requirements; Network requirements' },
      { key: 'mdeConfigureProxy', section: 'Configure the proxy server manually using a registry-based static proxy setting' },
      { key: 'mdeStreamlined', section: 'Defender for Endpoint-recognized simplified domain (note on proxy authentication)' },
    ],
  },
};

export function parseSensorGeneration(s: string): SensorGenerationId | undefined {
  return (SENSOR_GENERATION_IDS as readonly string[]).includes(s) ? (s as SensorGenerationId) : undefined;
}

/** The answers that prove reachability for a generation. */
export function pingAnswersFor(generation: SensorGenerationId): PingAnswer[] {
  return PING_ANSWERS.filter((a) => a.generations.includes(generation));
}
