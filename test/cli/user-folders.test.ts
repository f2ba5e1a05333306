/** Where an installed tool keeps what it generates, and which scenarios it uses by default. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { userCacheDir } from '../../src/user-cache-dir.js';
import { BUNDLED_SCENARIOS_DIR, defaultScenarios } from '../../src/cli/default-scenarios.js';

describe('userCacheDir', () => {
  it('XDG_CACHE_HOME when absolute, else ~/.cache; %LOCALAPPDATA% on Windows', () => {
    expect(userCacheDir({ XDG_CACHE_HOME: '/var/cache/u' }, 'linux', '/home/u')).toBe('/var/cache/u/atp-netlab');
    expect(userCacheDir({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/u')).toBe('/home/u/.cache/atp-netlab');
    expect(userCacheDir({}, 'darwin', '/Users/u')).toBe('/Users/u/.cache/atp-netlab');
    expect(userCacheDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Local\\atp-netlab');
    expect(userCacheDir({}, 'win32', 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Local\\atp-netlab');
  });
});

describe('defaultScenarios', () => {
  it('./scenarios when the folder has one, else the bundled catalogue', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'default-scen-'));
    try {
      expect(defaultScenarios(dir)).toEqual({ dir: BUNDLED_SCENARIOS_DIR, bundled: true });
      expect(fs.existsSync(path.join(BUNDLED_SCENARIOS_DIR, 'direct-internet.yaml'))).toBe(true);
      fs.mkdirSync(path.join(dir, 'scenarios'));
      expect(defaultScenarios(dir)).toEqual({ dir: 'scenarios', bundled: false });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
