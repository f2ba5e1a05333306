/**
 * The modern sensor's own proxy setting: `SensorConfiguration.json` in the sensor's install
 * folder (written by the installer's `ProxyUrl=` switch or `Set-MDISensorProxyConfiguration`).
 * When it names a proxy the sensor uses it instead of WinINET, so a probe of that host must
 * take the same route (source `sensor-config`).
 *
 *   { "SensorProxyConfiguration": { "Url": "http://proxy:8080", "UserName": "CONTOSO\\svc",
 *                                   "EncryptedUserPassword…": { … } },
 *     "WorkspaceApplicationSensorApiWebClientConfigurationServiceEndpoint":
 *                                 { "Address": "contosoatpsensorapi.atp.azure.com", "Port": 443 } }
 *
 * The password is encrypted on the host (we could not use it anyway) and the user name is half
 * a credential: neither ever leaves this module. Callers only learn that credentials exist.
 */
import { AtpNetlabError } from '../errors.js';
import type { RouteResult } from '../route.js';
import { parseHostPort, type HostPort } from '../wininet/host-port.js';

export const SENSOR_PROXY_OBJECT = 'SensorProxyConfiguration';
export const SENSOR_ENDPOINT_OBJECT = 'WorkspaceApplicationSensorApiWebClientConfigurationServiceEndpoint';

export interface SensorConfig {
  /** The proxy URL without any user info (`http://host:port`), when one is configured. */
  proxyUrl?: string;
  proxy?: HostPort;
  /** A user name (and, presumably, a password) is configured for the proxy. Never the values. */
  hasProxyCredentials: boolean;
  /** The sensorapi endpoint the sensor was enrolled against. */
  endpoint?: { address: string; port: number };
  /** Facts a person needs to read the outcome (never containing a credential). */
  notes: string[];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Case-insensitive member lookup: the file is written by .NET, whose readers ignore case. */
function member(obj: Json | undefined, name: string): Json | undefined {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
}

function stringMember(obj: Json | undefined, name: string): string | undefined {
  const v = member(obj, name);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/**
 * Parses the file's text (a UTF-8 BOM is tolerated). Throws AtpNetlabError for unusable input.
 * `keepUserName` is for the lab's simulated sensor, which answers the proxy with the file's
 * credentials as the real one does; the real probe never asks for it.
 */
export function parseSensorConfig(text: string, file?: string): SensorConfig;
export function parseSensorConfig(text: string, file: string, opts: { keepUserName: true }): SensorConfig & { userName?: string };
export function parseSensorConfig(text: string, file = 'SensorConfiguration.json', opts: { keepUserName?: boolean } = {}): SensorConfig & { userName?: string } {
  let doc: Json;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, '')) as Json;
  } catch (e) {
    throw new AtpNetlabError('ATPNL_USAGE', `not valid JSON: ${(e as Error).message}`, { file });
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new AtpNetlabError('ATPNL_USAGE', 'a sensor configuration must be a JSON object', { file });
  }
  const notes: string[] = [];
  const out: SensorConfig = { hasProxyCredentials: false, notes };

  const proxyObj = member(doc, SENSOR_PROXY_OBJECT);
  const url = stringMember(proxyObj, 'Url');
  if (url !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`);
    } catch {
      parsed = undefined;
    }
    const hp = parsed ? parseHostPort(`${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}`) : { error: 'not a URL' };
    if (!parsed || 'error' in hp) {
      // The raw text may hold user info: say what is wrong without echoing it.
      throw new AtpNetlabError('ATPNL_USAGE', `${SENSOR_PROXY_OBJECT}.Url is not a proxy URL (expected http://host:port)`, { file, field: `${SENSOR_PROXY_OBJECT}.Url` });
    }
    // A URL without a port means the scheme's default, as .NET's WebProxy reads it.
    const port = parsed.port ? hp.port : parsed.protocol === 'https:' ? 443 : 80;
    out.proxy = { host: hp.host, port };
    out.proxyUrl = `${parsed.protocol}//${parsed.hostname}:${port}`;
    if (parsed.username || parsed.password) {
      out.hasProxyCredentials = true;
      notes.push(`${SENSOR_PROXY_OBJECT}.Url carries user info; it is ignored here and never printed`);
    }
    if (parsed.protocol === 'https:') notes.push(`the sensor's proxy URL uses https://; the probe speaks plain HTTP CONNECT to ${hp.host}:${port}`);
  }
  const userName = stringMember(proxyObj, 'UserName');
  if (userName !== undefined) out.hasProxyCredentials = true;
  if (opts.keepUserName && userName !== undefined) Object.defineProperty(out, 'userName', { value: userName, enumerable: false });
  if (out.hasProxyCredentials) {
    notes.push('the sensor configuration holds proxy credentials (encrypted on the host); the probe cannot use them, so a 407 here may be answered by the real sensor');
  }

  const ep = member(doc, SENSOR_ENDPOINT_OBJECT);
  const address = stringMember(ep, 'Address');
  if (address !== undefined) {
    const portValue = member(ep, 'Port');
    const port = typeof portValue === 'number' && Number.isInteger(portValue) && portValue > 0 && portValue < 65536 ? portValue : 443;
    out.endpoint = { address: address.toLowerCase().replace(/^https?:\/\//, '').replace(/[/:].*$/, ''), port };
  }
  return out;
}

/** The route the sensor takes with this configuration (the same for every URL). */
export function sensorConfigRoute(cfg: SensorConfig): RouteResult {
  if (cfg.proxy) {
    return { failed: false, candidates: [{ kind: 'PROXY', host: cfg.proxy.host, port: cfg.proxy.port }], source: 'sensor-config', notes: [...cfg.notes] };
  }
  return {
    failed: false,
    candidates: [{ kind: 'DIRECT' }],
    source: 'sensor-config',
    notes: [
      ...cfg.notes,
      `${SENSOR_PROXY_OBJECT} names no proxy: the probe goes direct (probe the WinINET settings with --reg, or on the host itself, to see what else the host would use)`,
    ],
  };
}
