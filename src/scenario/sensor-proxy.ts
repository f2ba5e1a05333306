/**
 * A scenario's `host.sensorConfiguration` → the v2 sensor's own proxy in the plan. The file
 * form is read bounded and confined to the scenario's folder (as `.reg` fixtures are), and
 * parsed by the very parser the real probe uses (probe/sensor-config.ts); inline fields
 * override the file's. The password stands in for what the real sensor decrypts from
 * EncryptedUserPasswordData on the host; it goes into the plan (which `plan --json` redacts)
 * and into a Proxy-Authorization header, never into a detail, note or report.
 */
import path from 'node:path';
import { AtpNetlabError, isAtpNetlabError } from '../errors.js';
import { readInputText } from '../input/read-input.js';
import type { HostPlan } from '../lab/lab-plan.js';
import { parseSensorConfig, SENSOR_PROXY_OBJECT, type SensorConfig } from '../probe/sensor-config.js';
import type { Scenario } from './schema.js';

export async function scenarioSensorProxy(s: Scenario, scenarioFile: string, allowRoots: readonly string[]): Promise<HostPlan['sensorProxy']> {
  const c = s.host.sensorConfiguration;
  if (!c) return undefined;
  const field = 'host.sensorConfiguration';
  let fromFile: (SensorConfig & { userName?: string }) | undefined;
  if (c.file !== undefined) {
    const text = await readInputText(c.file, 'sensor-config', { roots: { base: path.dirname(scenarioFile), allowRoots }, location: { file: scenarioFile, field: `${field}.file` } });
    fromFile = withLocation(() => parseSensorConfig(text, c.file!, { keepUserName: true }), scenarioFile, `${field}.file`);
  }
  const inline = c.url !== undefined ? withLocation(() => parseSensorConfig(JSON.stringify({ [SENSOR_PROXY_OBJECT]: { Url: c.url } }), scenarioFile), scenarioFile, `${field}.url`) : undefined;
  const cfg = inline ?? fromFile!;
  const notes = [...(fromFile?.notes ?? [])].filter((n) => !n.includes('the probe cannot use them'));
  if (!cfg.proxy) {
    return { notes: [...notes, `${SENSOR_PROXY_OBJECT} names no proxy: the sensor falls back to WinINET`] };
  }
  const username = c.userName ?? fromFile?.userName;
  const credentials = username !== undefined && c.password !== undefined ? { username, password: c.password } : undefined;
  if (username !== undefined && c.password === undefined) notes.push(`${SENSOR_PROXY_OBJECT} names a user but the scenario gives no password: the lab sensor sends no credentials`);
  return { proxy: cfg.proxy, proxyUrl: cfg.proxyUrl!, ...(credentials ? { credentials } : {}), notes };
}

function withLocation<T>(f: () => T, file: string, field: string): T {
  try {
    return f();
  } catch (e) {
    if (isAtpNetlabError(e)) throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', e.message, { file, field }, { cause: e });
    throw e;
  }
}
