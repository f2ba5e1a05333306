/**
 * Component records under docker: the Node components in their containers publish the same
 * records, in the same shape, as the in-process engine keeps (records-file.ts): the forward
 * proxy's CONNECT decision and the cloud's request with the sensor's certificate, for one check
 * run on each engine. Skipped with the reason where Docker is not usable.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerEngine } from '../../../src/engines/docker/docker-engine.js';
import type { StartedEngineLab } from '../../../src/engines/engine.js';
import { inprocEngine } from '../../../src/engines/inproc/inproc-engine.js';
import { compileScenario } from '../../../src/scenario/compile-plan.js';
import { loadScenarioFile } from '../../../src/scenario/load-scenario.js';
import { testPki } from '../../helpers/lab-fixtures.js';
import { leftovers } from './same-as-inproc.js';

const missing = await dockerEngine.prerequisites();

/** Keys of each record (the shape), and the fields that say what happened, not when or from which address. */
function summary(records: readonly object[]): { keys: string[]; what: Record<string, unknown> }[] {
  return records.map((r) => {
    const o = r as Record<string, unknown>;
    const what = Object.fromEntries(['decision', 'target', 'port', 'status', 'from', 'host', 'path', 'method', 'clientCert', 'answer'].filter((k) => k in o && typeof o[k] !== 'object').map((k) => [k, o[k]]));
    return { keys: Object.keys(o).sort(), what };
  });
}

async function recordsAfterOneCheck(lab: StartedEngineLab, names: string[], expected?: Record<string, unknown[]>): Promise<Record<string, ReturnType<typeof summary>>> {
  const check = lab.plan.checks[0]!;
  const o = await lab.runCheck(check);
  expect(o.reachable).toBe(true);
  // Under docker one probe run checks all of the identity's hosts: compare this check's host only.
  const ofHost = (rs: readonly object[]) => rs.filter((r) => [(r as { target?: string }).target, (r as { host?: string }).host].includes(check.host));
  const out: Record<string, ReturnType<typeof summary>> = {};
  for (const n of names) {
    // Published within records-file.ts's interval: wait for as many as inproc kept (bounded).
    const want = Math.max(1, expected?.[n]?.length ?? 1);
    for (let i = 0; i < 60 && ofHost(lab.records(n)).length < want; i++) await new Promise((r) => setTimeout(r, 50));
    out[n] = summary(ofHost(lab.records(n)));
  }
  return out;
}

describe.skipIf(missing.length > 0)(`engine docker: component records${missing.length ? ` (skipped: ${missing.join('; ')})` : ''}`, () => {
  it('proxy-allowlist-ok: the forward proxy and the cloud keep the same records, in the same shape, as inproc', { timeout: 180_000 }, async () => {
    const pki = await testPki();
    const { plan } = await compileScenario(await loadScenarioFile(path.join('scenarios', 'proxy-allowlist-ok.yaml')));
    const cloud = plan.components.find((c) => c.type === 'cloud-endpoint' && plan.checks[0]!.host === c.definition.host)!.name;
    const names = ['corp-proxy', cloud];
    const inproc = await inprocEngine.start(plan, { pki });
    let want: Record<string, ReturnType<typeof summary>>;
    try {
      want = await recordsAfterOneCheck(inproc, names);
    } finally {
      await inproc.stop();
    }
    const docked = await dockerEngine.start(plan, { pki });
    try {
      expect(docked.records('corp-proxy')).toEqual([]);
      const got = await recordsAfterOneCheck(docked, names, want);
      for (const n of names) expect(want[n]!.length, `inproc records of ${n}`).toBeGreaterThan(0);
      expect(got).toEqual(want);
    } finally {
      await docked.stop();
    }
    expect(await leftovers()).toEqual([]);
  });
});
