// The docker engine against inproc, in the same run (alternating): per scenario, the time from
// start to the first check's outcome, and the whole scenario (start, every check, stop); the
// median of --runs (5). The lab image is built (or found cached) before timing starts.
// Then where a docker scenario's time goes: the median of each start/stop phase the engine
// records (StartedDockerLab.timings), and the machine's load average before and after.
//   npm run build && node bench/docker-vs-inproc.mjs [--runs 5] [--scenarios a,b]
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { median, options } from './bench-lib.mjs';

const opt = options();
const runs = Number(opt('runs', '5'));
const names = opt('scenarios', 'direct-blocked,firewall-rejects-direct,proxy-allowlist-ok,transparent-proxy').split(',');

const { loadScenarioFile } = await import('../dist/scenario/load-scenario.js');
const { compileScenario } = await import('../dist/scenario/compile-plan.js');
const { dockerEngine } = await import('../dist/engines/docker/docker-engine.js');
const { ensureLabImage } = await import('../dist/engines/docker/lab-image.js');
const { inprocEngine } = await import('../dist/engines/inproc/inproc-engine.js');
const { LabPki } = await import('../dist/pki/index.js');

const missing = await dockerEngine.prerequisites();
if (missing.length) {
  console.log(`docker engine not ready: ${missing.join('; ')}`);
  process.exit(2);
}
const t0 = performance.now();
const image = await ensureLabImage((l) => console.log(l));
console.log(`image ${image.tag}: ${image.built ? 'built' : 'cached'} in ${Math.round(performance.now() - t0)} ms`);
const pki = await LabPki.load();

async function once(engine, plan) {
  const start = performance.now();
  const lab = await engine.start(plan, { pki });
  const started = performance.now() - start;
  let first;
  await Promise.all(plan.checks.map(async (c) => {
    await lab.runCheck(c);
    first ??= performance.now() - start;
  }));
  await lab.stop();
  return { started, first, whole: performance.now() - start, timings: lab.timings ?? [] };
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`load average before: ${load()} (${os.cpus().length} CPUs)`);
const phases = [];

console.log(`| scenario | engine | first check (median of ${runs}) | whole scenario (median of ${runs}) |`);
console.log('|---|---|---|---|');
for (const name of names) {
  const { plan } = await compileScenario(await loadScenarioFile(`scenarios/${name}.yaml`));
  const got = { inproc: [], docker: [] };
  for (let i = 0; i < runs; i++) for (const e of [inprocEngine, dockerEngine]) got[e.name].push(await once(e, plan));
  for (const e of ['inproc', 'docker']) {
    console.log(`| ${name} | ${e} | ${Math.round(median(got[e].map((r) => r.first)))} ms | ${Math.round(median(got[e].map((r) => r.whole)))} ms |`);
  }
  phases.push({ name, runs: got.docker });
}
console.log(`load average after: ${load()}`);
for (const { name, runs: rs } of phases) {
  console.log(`\n${name} under docker, where the time goes (median of ${rs.length}; start ${Math.round(median(rs.map((r) => r.started)))} ms; first run of the process: start ${Math.round(rs[0].started)} ms, whole ${Math.round(rs[0].whole)} ms):`);
  const byPhase = new Map();
  for (const r of rs) for (const t of r.timings) byPhase.set(t.phase, [...(byPhase.get(t.phase) ?? []), t]);
  for (const [phase, ts] of byPhase) console.log(`  ${phase.padEnd(52)} at ${String(Math.round(median(ts.map((t) => t.atMs)))).padStart(5)} ms, took ${String(Math.round(median(ts.map((t) => t.ms)))).padStart(5)} ms`);
}
