/**
 * The answers real Squid 5.7 and mitmproxy 8.1.1 gave on 127.0.0.1, as captured by
 * test/probe/fixtures/capture-real-proxies.sh into fixtures/real-proxy-answers.txt, turned
 * into the verdict's evidence shape. The verdict table reads its proxy answers from here, so
 * they are what the real programs send, not what we think they send.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HttpHead } from '../../src/probe/evidence.js';

const TEXT = readFileSync(fileURLToPath(new URL('./fixtures/real-proxy-answers.txt', import.meta.url)), 'utf8');

function section(title: string): string[] {
  const parts = TEXT.split(/^=== /m);
  const found = parts.find((p) => p.startsWith(title + '\n'));
  if (!found) throw new Error(`no captured section "${title}" in real-proxy-answers.txt`);
  return found.split('\n').slice(1);
}

/**
 * The last HTTP answer of a captured section: the CONNECT answer of a raw capture, or the
 * answer inside the tunnel of a `curl -v` capture (lines `< …`).
 */
export function captured(title: string): HttpHead {
  const lines = section(title);
  const curl = lines.some((l) => l.startsWith('< HTTP/'));
  const start = curl ? lines.map((l, i) => (l.startsWith('< HTTP/') ? i : -1)).filter((i) => i >= 0).at(-1)! : lines.findIndex((l) => l.startsWith('HTTP/'));
  if (start < 0) throw new Error(`no HTTP answer in captured section "${title}"`);
  const strip = (l: string) => (curl ? l.replace(/^< ?/, '') : l);
  const m = /^HTTP\/\d(?:\.\d)?\s+(\d{3})\s*(.*)$/.exec(strip(lines[start]!))!;
  const headers: Record<string, string> = {};
  let i = start + 1;
  for (; i < lines.length; i++) {
    const l = strip(lines[i]!);
    if (curl && !lines[i]!.startsWith('<')) break;
    const h = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(l);
    if (!h) break;
    headers[h[1]!.toLowerCase()] = h[2]!;
  }
  const body = lines
    .slice(i)
    .filter((l) => l.trim() && !/^(\* |< |curl: )/.test(l))
    .join('\n');
  return { status: Number(m[1]), reason: m[2] ?? '', headers, body };
}
