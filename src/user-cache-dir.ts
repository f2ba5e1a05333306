/**
 * The user's cache folder for what atp-netlab generates and may regenerate at will (the lab
 * PKI): never the current folder, which an installed tool run from anywhere must leave alone.
 * XDG_CACHE_HOME (when absolute, as the spec requires) or ~/.cache on Unix; %LOCALAPPDATA% on
 * Windows.
 */
import os from 'node:os';
import path from 'node:path';

export function userCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string {
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA || path.win32.join(home, 'AppData', 'Local');
    return path.win32.join(local, 'atp-netlab');
  }
  const xdg = env.XDG_CACHE_HOME;
  return path.posix.join(xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, '.cache'), 'atp-netlab');
}
