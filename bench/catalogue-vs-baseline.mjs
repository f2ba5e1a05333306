#!/usr/bin/env node
// Times the warm catalogue (`run scenarios --json`, PKI cached) of this checkout against a
// baseline commit built in a temporary git worktree, alternating runs so both see the same
// machine state, on the SAME scenario files (the baseline's). Prints medians and the ratio.
// Usage: npm run bench:baseline [-- --baseline <git-ref> --runs 5]
// Default baseline: 9e441d7, the last commit before the engine seam.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, options } from './bench-lib.mjs';

const opt = options();
const runs = Math.min(Math.max(Number(opt('runs', '5')), 1), 20);
const baseline = opt('baseline', '9e441d7');
const cli = path.resolve('dist/cli/main.js');
if (!fs.existsSync(cli)) {
  console.error('bench: build first (npm run build)');
  process.exit(2);
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'atp-bench-baseline-'));
const base = path.join(work, 'baseline');
const certs = path.join(work, 'certs');
const cleanup = () => {
  spawnSync('git', ['worktree', 'remove', '--force', base], { stdio: 'ignore' });
  fs.rmSync(work, { recursive: true, force: true });
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
try {
  process.stderr.write(`bench: building baseline ${baseline} in ${base}\n`);
  execFileSync('git', ['worktree', 'add', '--detach', base, baseline], { stdio: 'ignore' });
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: base, stdio: 'ignore' });
  execFileSync('npm', ['run', 'build'], { cwd: base, stdio: 'ignore' });
  const scenarios = path.join(base, 'scenarios');
  const once = (entry) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [entry, 'run', scenarios, '--json'], { env: { ...process.env, ATP_NETLAB_CERTS: certs }, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
    const wallMs = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${entry} exited ${r.status}: ${r.stderr.slice(-500)}`);
    const report = JSON.parse(r.stdout);
    return { wallMs, runMs: report.durationMs, scenarios: report.summary.scenarios };
  };
  const baseCli = path.join(base, 'dist/cli/main.js');
  once(baseCli); // warm the PKI cache and the page cache, outside the measurements
  once(cli);
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    a.push(once(baseCli));
    b.push(once(cli));
    process.stderr.write(`bench: run ${i + 1}/${runs}: baseline ${a.at(-1).wallMs.toFixed(0)} ms, current ${b.at(-1).wallMs.toFixed(0)} ms\n`);
  }
  const row = (name, xs) => `${name.padEnd(9)} wall median ${median(xs.map((x) => x.wallMs)).toFixed(0).padStart(6)} ms   in-run median ${median(xs.map((x) => x.runMs)).toFixed(0).padStart(6)} ms`;
  console.log(`warm catalogue, ${a[0].scenarios} scenarios (the baseline's files), ${runs} runs each, alternating, ${os.cpus().length} CPUs, node ${process.version}`);
  console.log(row(`baseline`, a) + `   (${baseline})`);
  console.log(row('current', b));
  console.log(`ratio current/baseline: wall ${(median(b.map((x) => x.wallMs)) / median(a.map((x) => x.wallMs))).toFixed(2)}, in-run ${(median(b.map((x) => x.runMs)) / median(a.map((x) => x.runMs))).toFixed(2)}`);
} finally {
  cleanup();
}
