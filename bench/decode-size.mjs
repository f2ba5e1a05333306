#!/usr/bin/env node
// Decode time against value size: `.reg` files (UTF-16LE, as regedit exports) holding one
// REG_BINARY value wrapped as regedit wraps it, from 64 KiB up to the 4 MiB input cap. For
// each size: the median of `runs` reads with the project's reader (readRegFileBytes), and the
// median of a baseline in the same run over the same bytes: the obvious linear reader built
// from whole-string built-ins (decode UTF-16, split lines, join, strip separators with a
// regex, Buffer.from(hex)), so the ratio compares our per-character parser (which also checks
// every token and keeps line numbers) with that; "ms/MiB" shows whether the work stays
// linear (flat) or grows with size (quadratic, as the reader before issue 11 did).
// Usage: npm run build && node bench/decode-size.mjs [--runs 7]
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Math.min(Math.max(Number(opt('runs', '7')), 1), 25);
const dist = path.resolve('dist/registry/index.js');
if (!fs.existsSync(dist)) {
  console.error('bench: build first (npm run build)');
  process.exit(2);
}
const { readRegFileBytes, writeRegText, encodeRegText } = await import(dist);

const KEY = 'HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections';

/** A regedit5 file of about `fileBytes` bytes with one huge DefaultConnectionSettings-like value. */
function makeFile(fileBytes) {
  const byteCount = Math.floor((fileBytes / 2 - 200) / 3.2); // 25 bytes per 80-character line
  const data = Uint8Array.from({ length: byteCount }, (_, i) => (i * 131) & 0xff);
  const text = writeRegText({ format: 'regedit5', entries: [{ kind: 'key', path: KEY, values: [{ name: 'DefaultConnectionSettings', value: { type: 'REG_BINARY', data } }] }] });
  return { bytes: encodeRegText(text, 'regedit5'), valueBytes: byteCount };
}

/** The obvious linear reader from built-ins (no validation, no line numbers). */
function baseline(bytes) {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf16le', 2);
  const lines = text.split(/\r\n/);
  const body = lines.slice(3).join('').replace(/^.*?hex:/, '').replace(/[\\\s,]/g, '');
  return Buffer.from(body, 'hex').length;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function time(fn) {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const sizes = [64 << 10, 256 << 10, 1 << 20, 2 << 20, 4 << 20];
const rows = [];
for (const size of sizes) {
  const { bytes, valueBytes } = makeFile(size);
  // warm up both once so the JIT is not measured
  readRegFileBytes(bytes);
  baseline(bytes);
  const ours = [];
  const base = [];
  for (let i = 0; i < runs; i++) {
    ours.push(time(() => readRegFileBytes(bytes)));
    base.push(time(() => baseline(bytes)));
  }
  const oursMs = median(ours);
  const baseMs = median(base);
  rows.push({ fileKiB: Math.round(bytes.length / 1024), valueKiB: Math.round(valueBytes / 1024), oursMs, baseMs, ratio: oursMs / baseMs, msPerMiB: oursMs / (bytes.length / (1 << 20)) });
  process.stderr.write(`bench: ${Math.round(bytes.length / 1024)} KiB done\n`);
}

console.log(`decode time vs .reg size (UTF-16LE, one REG_BINARY value), median of ${runs} runs`);
console.log('file KiB  value KiB  reader ms  baseline ms  ratio  reader ms/MiB');
for (const r of rows) {
  console.log(
    `${String(r.fileKiB).padStart(8)}  ${String(r.valueKiB).padStart(9)}  ${r.oursMs.toFixed(1).padStart(9)}  ${r.baseMs.toFixed(1).padStart(11)}  ${r.ratio.toFixed(2).padStart(5)}  ${r.msPerMiB.toFixed(1).padStart(13)}`,
  );
}
const first = rows[0];
const last = rows.at(-1);
console.log(`linearity: ms/MiB at ${last.fileKiB} KiB is ${(last.msPerMiB / first.msPerMiB).toFixed(2)}x that at ${first.fileKiB} KiB (1.0 = linear; quadratic would be ${(last.fileKiB / first.fileKiB).toFixed(0)}x)`);
