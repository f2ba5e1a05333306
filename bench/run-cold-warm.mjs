#!/usr/bin/env node
// Times `atp-netlab run scenarios` with the lab PKI cache absent (cold) and present (warm),
// alternating runs so both see the same machine state. Prints medians and the ratio.
// Usage: npm run bench [-- --runs 5 --paths scenarios]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, options } from './bench-lib.mjs';

const opt = options();
const runs = Math.min(Math.max(Number(opt('runs', '5')), 1), 20);
const paths = opt('paths', 'scenarios');
const cli = path.resolve('dist/cli/main.js');
if (!fs.existsSync(cli)) {
  console.error('bench: build first (npm run build)');
  process.exit(2);
}
const certs = fs.mkdtempSync(path.join(os.tmpdir(), 'atp-bench-certs-'));

function once(cold) {
  if (cold) fs.rmSync(certs, { recursive: true, force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, 'run', paths, '--json'], { env: { ...process.env, ATP_NETLAB_CERTS: certs }, encoding: 'utf8', timeout: 120_000 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) {
    console.error(r.stderr);
    throw new Error(`run exited ${r.status}`);
  }
  const report = JSON.parse(r.stdout);
  return { wallMs, runMs: report.durationMs, scenarios: report.summary.scenarios, checks: report.scenarios.reduce((n, s) => n + s.checks.length, 0) };
}


once(false); // prime the OS page cache and the PKI once, outside the measurements
const cold = [];
const warm = [];
for (let i = 0; i < runs; i++) {
  cold.push(once(true));
  warm.push(once(false));
  process.stderr.write(`bench: run ${i + 1}/${runs}: cold ${cold.at(-1).wallMs.toFixed(0)} ms, warm ${warm.at(-1).wallMs.toFixed(0)} ms\n`);
}
fs.rmSync(certs, { recursive: true, force: true });
const row = (name, xs) => `${name.padEnd(5)} wall median ${median(xs.map((x) => x.wallMs)).toFixed(0).padStart(6)} ms   in-run median ${median(xs.map((x) => x.runMs)).toFixed(0).padStart(6)} ms`;
console.log(`atp-netlab run ${paths}: ${warm[0].scenarios} scenarios, ${warm[0].checks} checks, ${runs} runs each, ${os.cpus().length} CPUs, node ${process.version}`);
console.log(row('cold', cold));
console.log(row('warm', warm));
console.log(`ratio cold/warm (wall medians): ${(median(cold.map((x) => x.wallMs)) / median(warm.map((x) => x.wallMs))).toFixed(2)}`);
