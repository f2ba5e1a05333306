/**
 * `--scenario-out DIR`: copy the scenario that reproduces each finding into DIR, to run or edit.
 * Scenarios ship with the package (package.json "files"), next to dist/. Existing files in DIR
 * are never overwritten: the copy is reported as skipped with the reason.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TriageReport } from './triage.js';

/** scenarios/ of this package: two levels above src/triage or dist/triage. */
export const PACKAGE_SCENARIOS_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

export interface ScenarioOutResult {
  signature: string;
  written?: string;
  skipped?: string;
}

export async function writeScenarios(report: TriageReport, dir: string, scenariosDir = PACKAGE_SCENARIOS_DIR): Promise<ScenarioOutResult[]> {
  await mkdir(dir, { recursive: true });
  const out: ScenarioOutResult[] = [];
  const done = new Set<string>();
  for (const f of report.findings) {
    if (!('scenario' in f.reproduce)) {
      out.push({ signature: f.signature, skipped: `no scenario: ${f.reproduce.gap}` });
      continue;
    }
    const name = f.reproduce.scenario;
    const target = path.join(dir, name);
    if (done.has(name)) {
      out.push({ signature: f.signature, written: target });
      continue;
    }
    try {
      // COPYFILE_EXCL: refuse to replace a file the user may have edited.
      await copyFile(path.join(scenariosDir, name), target, 1);
      done.add(name);
      out.push({ signature: f.signature, written: target });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      out.push({ signature: f.signature, skipped: code === 'EEXIST' ? `${target} exists (not overwritten)` : `${name}: ${(e as Error).message}` });
    }
  }
  return out;
}
