/**
 * What the docker engine tests share: a scenario run under inproc and under docker must give
 * the same observed step and code per check and pass, and a stop must leave no container and
 * no network of this process's labs.
 */
import { expect } from 'vitest';
import { dockerLeftovers } from '../../helpers/docker-leftovers.js';
import { dockerEngine } from '../../../src/engines/docker/docker-engine.js';
import { inprocEngine } from '../../../src/engines/inproc/inproc-engine.js';
import { compileScenario } from '../../../src/scenario/compile-plan.js';
import { loadScenarioFile } from '../../../src/scenario/load-scenario.js';
import { runScenario } from '../../../src/scenario/run-scenario.js';
import { testPki } from '../../helpers/lab-fixtures.js';

/** What this test process's labs (or another process's, by pid) left: see dockerLeftovers. */
export function leftovers(pid = process.pid): Promise<string[]> {
  return dockerLeftovers({ pid });
}

export async function expectSameAsInproc(file: string): Promise<void> {
  const pki = await testPki();
  const loaded = await loadScenarioFile(file);
  expect(dockerEngine.unsupported((await compileScenario(loaded)).plan)).toBeUndefined();
  const [inproc, docked] = [await runScenario(loaded, pki, { engine: inprocEngine }), await runScenario(loaded, pki, { engine: dockerEngine })];
  expect(docked.error).toBeUndefined();
  const key = (r: typeof inproc) => r.checks.map((c) => `${c.identity} ${c.host}: ${c.observed.reachable} ${c.observed.step}/${c.observed.code}`);
  expect(key(docked)).toEqual(key(inproc));
  expect(docked.checks.length).toBeGreaterThan(0);
  expect(docked.passed).toBe(true);
  expect(await leftovers()).toEqual([]);
}
