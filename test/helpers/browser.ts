/**
 * The browser the HTML report test drives, found without anything installed by hand:
 *
 *   ATP_NETLAB_CHROMIUM set ─▶ that binary
 *   a system Chromium on PATH (Debian's chromium, chromium-browser, google-chrome) ─▶ it
 *   otherwise ─▶ the Chromium `npm ci` brought (@sparticuz/chromium, from the npm registry),
 *                extracted once per checkout into node_modules/.cache/atp-netlab-chromium,
 *                with its bundled libraries on LD_LIBRARY_PATH for the browser process only
 *
 * Why @sparticuz/chromium: it is the one Chromium build published on the npm registry, the
 * only registry these machines reach (playwright's and puppeteer's downloads come from other
 * hosts); it carries the shared libraries a fresh machine lacks; and extracting it per checkout
 * (not the package's fixed path in the system temp folder) keeps two users, or two checkouts,
 * from tripping over each other. The test is never skipped: if no browser works, it fails.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface BrowserBinary {
  executablePath: string;
  /** Environment for the browser process. */
  env: Record<string, string>;
  /** Where it came from, for the test's failure messages. */
  source: 'env' | 'system' | 'npm';
}

const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * A fontconfig file for the npm Chromium. The package's own fonts.conf names fixed folders
 * (/tmp/fonts, /var/task/fonts) that a per-checkout extraction never fills, so the browser had
 * no font at all: every text drew as nothing (blank screenshots, zero-sized SVG text). This
 * one names the Open Sans the package brought, extracted here, and the system's fonts.
 */
function writeFontConfig(cache: string): string {
  const file = path.join(cache, 'atp-netlab-fonts.conf');
  const dirs = [path.join(cache, 'fonts', 'fonts'), '/usr/share/fonts', '/usr/local/share/fonts'];
  const xml = `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n${dirs.map((d) => `  <dir>${d}</dir>`).join('\n')}\n  <cachedir>${path.join(cache, 'fonts-cache')}</cachedir>\n</fontconfig>\n`;
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== xml) fs.writeFileSync(file, xml, { mode: 0o600 });
  return file;
}

export function findBrowser(): BrowserBinary {
  const baseEnv = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  if (process.env.ATP_NETLAB_CHROMIUM) return { executablePath: process.env.ATP_NETLAB_CHROMIUM, env: baseEnv, source: 'env' };
  for (const n of SYSTEM_NAMES) {
    const p = onPath(n);
    if (p) return { executablePath: p, env: baseEnv, source: 'system' };
  }
  const cache = path.resolve('node_modules/.cache/atp-netlab-chromium');
  fs.mkdirSync(cache, { recursive: true, mode: 0o700 });
  const extractEnv = { ...baseEnv, TMPDIR: cache, AWS_LAMBDA_JS_RUNTIME: 'nodejs22.x' };
  const executablePath = execFileSync(process.execPath, [path.resolve('test/helpers/extract-chromium.mjs')], { env: extractEnv, encoding: 'utf8', timeout: 120_000 }).trim();
  const libs = path.join(cache, 'al2023', 'lib');
  return {
    executablePath,
    env: { ...baseEnv, LD_LIBRARY_PATH: [libs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'), FONTCONFIG_PATH: cache, FONTCONFIG_FILE: writeFontConfig(cache), HOME: process.env.HOME ?? cache },
    source: 'npm',
  };
}
