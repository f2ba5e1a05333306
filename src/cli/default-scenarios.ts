/**
 * Which scenarios a command uses when given none: ./scenarios when the current folder has one
 * (a clone, or a user's own catalogue), else the catalogue shipped in the package, so the
 * installed tool works from any folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's scenarios/ (this file is src/cli/ or dist/cli/, two levels below the root). */
export const BUNDLED_SCENARIOS_DIR = fileURLToPath(new URL('../../scenarios', import.meta.url));

export interface DefaultScenarios {
  dir: string;
  bundled: boolean;
}

export function defaultScenarios(cwd: string = process.cwd()): DefaultScenarios {
  const local = path.join(cwd, 'scenarios');
  if (fs.existsSync(local)) return { dir: 'scenarios', bundled: false };
  return { dir: BUNDLED_SCENARIOS_DIR, bundled: true };
}
