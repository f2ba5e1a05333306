#!/usr/bin/env node
// What a proxy design carries, side by side in one run: N simulated sensors (default 500), all
// connecting at once (as after a maintenance window), through
//   1. the built-in forward proxy            (scenarios/proxy-allowlist-ok.yaml)
//   2. the built-in intercept-mutual middlebox (scenarios/inspection-intercept-mutual.yaml)
//   3. a real Squid, CONNECT                 (scenarios/twins/squid-allowlist-ok.yaml)
//   4. a real Squid, ssl_bump with a client certificate (scenarios/twins/squid-intercept-mutual.yaml)
// Each configuration runs --repeat times (default 3), alternating, and the medians are printed:
// handshakes per second while the fleet connects (sensors / time until all were connected),
// request latency p50/p99, errors, and CPU ms per handshake. CPU is read from the kernel
// (process.cpuUsage for this process, /proc/PID/stat for Squid's processes): for the built-in
// components it is this whole process (the sensors and the lab share it), for Squid it is
// Squid's own, with this process's (the sensors' side) beside it.
// Usage: npm run bench:load [-- --sensors 500 --duration 15 --repeat 3]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, options } from './bench-lib.mjs';

const opt = options();
const sensors = Math.min(Math.max(Number(opt('sensors', '500')), 1), 2000);
const durationS = Math.min(Math.max(Number(opt('duration', '15')), 3), 300);
const repeat = Math.min(Math.max(Number(opt('repeat', '3')), 1), 10);
const dist = path.resolve('dist');
if (!fs.existsSync(path.join(dist, 'load/run-load.js'))) {
  console.error('bench: build first (npm run build)');
  process.exit(2);
}
const { runLoad } = await import(path.join(dist, 'load/run-load.js'));
const { engineByName } = await import(path.join(dist, 'engines/index.js'));
const { LabPki } = await import(path.join(dist, 'pki/index.js'));
const { loadScenarioFile } = await import(path.join(dist, 'scenario/load-scenario.js'));
const certs = fs.mkdtempSync(path.join(os.tmpdir(), 'atp-bench-load-certs-'));
const pki = await LabPki.load(certs);
const squidInstalled = fs.existsSync('/usr/sbin/squid');

const CONFIGS = [
  { name: 'built-in forward proxy (CONNECT)', file: 'scenarios/proxy-allowlist-ok.yaml' },
  { name: 'built-in middlebox (intercept, mutual)', file: 'scenarios/inspection-intercept-mutual.yaml' },
  { name: 'Squid 5.7 (CONNECT)', file: 'scenarios/twins/squid-allowlist-ok.yaml', squid: true },
  { name: 'Squid 5.7 (ssl_bump, client certificate)', file: 'scenarios/twins/squid-intercept-mutual.yaml', squid: true },
];

const TICKS = os.constants?.CLK_TCK ?? 100; // /proc/PID/stat counts in clock ticks (USER_HZ, 100 on Linux)
function descendants(pid) {
  const out = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) out.push(Number(e), ...descendants(Number(e)));
    } catch {
      // gone between readdir and read
    }
  }
  return out;
}
function cpuMsOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
  } catch {
    return undefined;
  }
}

async function once(config) {
  const loaded = await loadScenarioFile(config.file);
  // Squid's CPU: sampled while it runs (it is gone once the lab is disposed).
  const squidCpu = new Map();
  const sampler = setInterval(() => {
    for (const pid of descendants(process.pid)) {
      const ms = cpuMsOf(pid);
      if (ms !== undefined) squidCpu.set(pid, ms);
    }
  }, 250);
  const cpu0 = process.cpuUsage();
  try {
    const r = await runLoad({ loaded, pki, engine: engineByName('inproc'), sensors, durationMs: durationS * 1000, rampMs: 0, stoppedAfterMs: durationS * 1000 });
    const cpu = process.cpuUsage(cpu0);
    const s = r.summary;
    const connectS = (s.allConnectedAfterMs ?? s.durationMs) / 1000;
    const processMs = (cpu.user + cpu.system) / 1000;
    const squidMs = [...squidCpu.values()].reduce((a, b) => a + b, 0);
    return {
      connected: s.connectionsEstablished,
      handshakesPerS: s.connectionsEstablished / connectS,
      allConnectedS: s.allConnectedAfterMs === null ? null : connectS,
      p50: s.requestLatencyMs.p50,
      p99: s.requestLatencyMs.p99,
      errors: Object.values(s.errorsByCode).reduce((a, b) => a + b, 0),
      processMsPerHandshake: processMs / Math.max(1, s.connectionsEstablished),
      squidMsPerHandshake: config.squid ? squidMs / Math.max(1, s.connectionsEstablished) : null,
    };
  } finally {
    clearInterval(sampler);
  }
}

const results = new Map(CONFIGS.map((c) => [c.name, []]));
console.error(`bench: ${sensors} sensors at once, ${durationS} s each, ${repeat} round(s), ${os.availableParallelism()} CPU(s); Squid ${squidInstalled ? 'installed' : 'NOT installed: its rows are skipped'}`);
for (let i = 0; i < repeat; i++) {
  for (const c of CONFIGS) {
    if (c.squid && !squidInstalled) continue;
    const r = await once(c);
    results.get(c.name).push(r);
    console.error(`  round ${i + 1} ${c.name}: ${r.connected}/${sensors} connected, ${r.handshakesPerS.toFixed(1)} handshakes/s, ${r.errors} errors`);
  }
}
fs.rmSync(certs, { recursive: true, force: true });

const fmt = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(d));
const med = (rs, k) => (rs.some((r) => r[k] === null) ? null : median(rs.map((r) => r[k])));
const header = ['configuration', 'connected', 'handshakes/s', 'all connected (s)', 'p50 ms', 'p99 ms', 'errors', 'CPU ms/handshake (this process)', 'CPU ms/handshake (squid)'];
const rows = CONFIGS.map((c) => {
  const rs = results.get(c.name);
  if (!rs.length) return [c.name, 'skipped: squid not installed', '', '', '', '', '', '', ''];
  return [c.name, fmt(med(rs, 'connected'), 0), fmt(med(rs, 'handshakesPerS')), fmt(med(rs, 'allConnectedS'), 2), fmt(med(rs, 'p50')), fmt(med(rs, 'p99')), fmt(med(rs, 'errors'), 0), fmt(med(rs, 'processMsPerHandshake'), 2), fmt(med(rs, 'squidMsPerHandshake'), 2)];
});
const base = results.get(CONFIGS[0].name);
console.log(`Load capacity: ${sensors} sensors connecting at once, medians of ${repeat} round(s)\n`);
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
if (base.length) {
  const b = median(base.map((r) => r.handshakesPerS));
  console.log('\nhandshakes/s relative to the built-in forward proxy:');
  for (const c of CONFIGS) {
    const rs = results.get(c.name);
    if (rs.length) console.log(`  ${c.name}: ${(median(rs.map((r) => r.handshakesPerS)) / b).toFixed(2)}×`);
  }
}
