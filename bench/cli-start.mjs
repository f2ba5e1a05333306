// Start-up time of the CLI: `--help` and `--version` against `node -e 0` (Node's own start) in
// the same run, alternating, so the ratio does not depend on how busy the machine is.
// Usage: npm run build && npm run bench:start [-- --runs N]. Target (issue 13): ratio <= 2.5.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { median, options } from './bench-lib.mjs';

const opt = options();
const runs = Number(opt('runs', '15'));
const cases = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'atp-netlab --help', args: ['dist/cli/main.js', '--help'] },
  { name: 'atp-netlab --version', args: ['dist/cli/main.js', '--version'] },
];
const times = new Map(cases.map((c) => [c.name, []]));

const once = (c) => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, c.args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${r.stderr}`);
  return ms;
};

for (const c of cases) once(c); // warm the file cache
for (let i = 0; i < runs; i++) for (const c of cases) times.get(c.name).push(once(c));

const base = median(times.get('node -e 0'));
console.log(`node ${process.version}, ${runs} runs each, alternating`);
console.log('| command | median | ratio to node -e 0 |');
console.log('|---|---|---|');
let worst = 0;
for (const c of cases) {
  const m = median(times.get(c.name));
  worst = Math.max(worst, m / base);
  console.log(`| ${c.name} | ${m.toFixed(0)} ms | ${(m / base).toFixed(2)} |`);
}
console.log(worst <= 2.5 ? `within the 2.5x target (worst ${worst.toFixed(2)}x)` : `OVER the 2.5x target (worst ${worst.toFixed(2)}x)`);
