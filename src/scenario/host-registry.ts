/**
 * The simulated Windows host's registry: a real file-backed store (one `.reg` file per hive)
 * filled from the scenario — imported `.reg` exports first, then declarative settings
 * encoded into real DefaultConnectionSettings / WinHttpSettings blobs — and then changed by
 * the admin steps (proxy-copy), exactly as the real procedure would change it.
 */
import path from 'node:path';
import { AtpNetlabError, isAtpNetlabError } from '../errors.js';
import { readInputFile } from '../input/read-input.js';
import { makeTempDir, removeTempDir } from '../temp-dirs.js';
import { CONNECTIONS_SUBKEY, IDENTITY_INFO, type Identity } from '../identity.js';
import { applyProxyCopy, planProxyCopy } from '../proxy-copy/index.js';
import { FileRegistryStore } from '../registry/file-registry-store.js';
import { decodeRegBytes } from '../registry/reg-file-reader.js';
import { regBinary } from '../registry/value.js';
import { buildWinHttpSettings, encodeSettings, encodeWinHttpSettings } from '../wininet/index.js';
import { MACHINE_CONNECTIONS_KEY, PROXY_POLICY_KEY } from '../wininet/read-state.js';
import { DOTNET_TLS_KEYS } from '../probe/host/dotnet-tls.js';
import { TELEMETRY_POLICY_KEY, TELEMETRY_PROXY_VALUE } from '../wininet/winhttp-route.js';
import type { IdentitySettings, Scenario } from './schema.js';

export interface HostRegistry extends AsyncDisposable {
  store: FileRegistryStore;
  dir: string;
  /** What each admin step did, for the report. */
  steps: string[];
  dispose(): Promise<void>;
}

function encodeIdentity(s: IdentitySettings): Uint8Array | undefined {
  if (s.proxy === undefined && s.pac === undefined && s.autoDetect === undefined && s.bypass === undefined) return undefined;
  return encodeSettings({
    ...(s.proxy && s.proxy !== 'none' ? { proxy: s.proxy } : {}),
    ...(s.bypass ? { bypass: s.bypass } : {}),
    ...(s.pac ? { pac: s.pac } : {}),
    ...(s.autoDetect ? { autoDetect: true } : {}),
  });
}

export interface HostRegistryOptions {
  /** `--allow-root` folders: fixtures may live there besides the scenario's own folder. */
  allowRoots?: readonly string[];
}

export async function buildHostRegistry(s: Scenario, scenarioFile: string, opts: HostRegistryOptions = {}): Promise<HostRegistry> {
  const dir = await makeTempDir(`host-${s.name}`);
  const store = new FileRegistryStore(path.join(dir, 'registry'));
  const steps: string[] = [];
  const dispose = () => removeTempDir(dir);
  try {
    for (const [i, reg] of (s.host.reg ?? []).entries()) {
      const file = path.resolve(path.dirname(scenarioFile), reg);
      // Confined to the scenario's folder (or an --allow-root), regular files only, capped.
      const bytes = await readInputFile(reg, 'reg', {
        roots: { base: path.dirname(scenarioFile), allowRoots: opts.allowRoots ?? [] },
        location: { file: scenarioFile, field: `host.reg.${i}` },
      });
      try {
        await store.importReg(decodeRegBytes(bytes));
      } catch (e) {
        if (isAtpNetlabError(e)) throw new AtpNetlabError(e.code, e.message, { ...e.location, file }, { cause: e });
        throw e;
      }
      steps.push(`imported ${reg}`);
    }
    for (const [identity, settings] of Object.entries(s.host.identities) as [Identity, IdentitySettings][]) {
      const blob = encodeIdentity(settings);
      if (blob) await store.writeValue(`${IDENTITY_INFO[identity].hive}\\${CONNECTIONS_SUBKEY}`, 'DefaultConnectionSettings', regBinary(blob));
    }
    if (s.host.machine) {
      const blob = encodeIdentity(s.host.machine);
      if (blob) await store.writeValue(MACHINE_CONNECTIONS_KEY, 'DefaultConnectionSettings', regBinary(blob));
    }
    if (s.host.proxySettingsPerUser !== undefined) {
      await store.writeValue(PROXY_POLICY_KEY, 'ProxySettingsPerUser', { type: 'REG_DWORD', data: s.host.proxySettingsPerUser });
    }
    if (s.host.winhttp) {
      await store.writeValue(MACHINE_CONNECTIONS_KEY, 'WinHttpSettings', regBinary(encodeWinHttpSettings(buildWinHttpSettings(s.host.winhttp))));
    }
    if (s.host.telemetryProxyServer !== undefined) {
      await store.writeValue(TELEMETRY_POLICY_KEY, TELEMETRY_PROXY_VALUE, { type: 'REG_SZ', data: s.host.telemetryProxyServer });
    }
    const dotnet = s.host.prerequisites?.dotnetTls;
    if (dotnet) {
      for (const key of DOTNET_TLS_KEYS) for (const [name, data] of Object.entries(dotnet)) await store.writeValue(key, name, { type: 'REG_DWORD', data });
    }
    for (const step of s.host.steps) {
      const targets = typeof step === 'string' ? undefined : step['proxy-copy'].targets;
      const plan = await planProxyCopy(store, targets ? { targets } : {});
      const result = await applyProxyCopy(store, plan, { backupDir: path.join(dir, 'backups') });
      if (result.status === 'rolled-back') {
        throw new AtpNetlabError('ATPNL_PROXY_COPY', `proxy-copy step failed and rolled back: ${result.error ?? 'unknown error'}`, { file: scenarioFile, field: 'host.steps' });
      }
      steps.push(`proxy-copy to ${(targets ?? plan.targets.map((t) => t.identity)).join(', ')}: ${result.status}${plan.warnings.length ? ` (warnings: ${plan.warnings.join('; ')})` : ''}`);
    }
  } catch (e) {
    await dispose();
    throw e;
  }
  return { store, dir, steps, dispose, [Symbol.asyncDispose]: dispose };
}
