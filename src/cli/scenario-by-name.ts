/**
 * A scenario argument that is neither a file nor a folder but a bare name
 * (`atp-netlab run proxy-auth-required`) names a catalogue scenario: `<name>.yaml` under
 * ./scenarios, else under the scenarios bundled in the package. So the installed tool runs a
 * catalogue scenario from any folder without the user finding where npm put it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AtpNetlabError } from '../errors.js';
import { STDIN } from '../input/read-input.js';
import { BUNDLED_SCENARIOS_DIR } from './default-scenarios.js';

/** The path to load for one scenario argument: itself when it exists, else the catalogue file it names. */
export function scenarioPathFor(arg: string, cwd: string = process.cwd()): string {
  if (arg === STDIN || fs.existsSync(path.resolve(cwd, arg))) return arg;
  const bare = /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(arg) && !/\.ya?ml$/i.test(arg);
  if (!bare) throw new AtpNetlabError('ATPNL_FILE_NOT_FOUND', 'no such file or folder', { file: arg });
  const catalogues = [path.join(cwd, 'scenarios'), BUNDLED_SCENARIOS_DIR].filter((d, i, all) => fs.existsSync(d) && all.indexOf(d) === i);
  for (const dir of catalogues) {
    const hits = catalogueFiles(dir).filter((f) => path.basename(f).replace(/\.ya?ml$/i, '') === arg);
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) throw new AtpNetlabError('ATPNL_USAGE', `"${arg}" names ${hits.length} scenarios in ${dir}: ${hits.map((h) => path.relative(dir, h)).join(', ')}; give the file`);
  }
  throw new AtpNetlabError('ATPNL_FILE_NOT_FOUND', `no such file or folder, and no scenario ${arg}.yaml in ${catalogues.join(' or ')} (atp-netlab list scenarios names them)`, { file: arg });
}

function catalogueFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((e) => /\.ya?ml$/i.test(e) && !e.split(path.sep).some((s) => s.startsWith('.') || s === 'fixtures'))
    .map((e) => path.join(dir, e));
}
