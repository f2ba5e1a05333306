/**
 * The load run as one self-contained HTML page (inline CSS and SVG, a CSP that forbids any
 * fetch): the summary table, errors by probe code, and plots over time, one per series.
 * Selectors for tests: [data-load-summary=FIELD], svg[data-plot=SERIES] with one
 * polyline[data-points=N].
 */
import { escapeMarkup as esc } from '../report/escape-markup.js';
import type { LoadBucket } from './load-metrics.js';
import type { LoadReport } from './run-load.js';

const PLOTS: { key: keyof LoadBucket; title: string; unit: string }[] = [
  { key: 'connected', title: 'Sensors connected', unit: 'sensors' },
  { key: 'handshakes', title: 'Handshakes per second', unit: '/s' },
  { key: 'requests', title: 'Requests per second', unit: '/s' },
  { key: 'p50Ms', title: 'Median request latency', unit: 'ms' },
  { key: 'errors', title: 'Errors per second', unit: '/s' },
  { key: 'reconnects', title: 'Reconnects per second', unit: '/s' },
];

export function renderLoadHtml(r: LoadReport): string {
  const s = r.summary;
  const rows: [string, string, string][] = [
    ['sensors', 'sensors', String(s.sensors)],
    ['durationMs', 'duration', `${(s.durationMs / 1000).toFixed(1)} s`],
    ['connectionsEstablished', 'connections established', String(s.connectionsEstablished)],
    ['handshakesPerSecond', 'handshakes per second', String(s.handshakesPerSecond)],
    ['requests', 'requests', String(s.requests)],
    ['p50', 'request latency p50', s.requestLatencyMs.p50 === null ? '—' : `${s.requestLatencyMs.p50} ms`],
    ['p99', 'request latency p99', s.requestLatencyMs.p99 === null ? '—' : `${s.requestLatencyMs.p99} ms`],
    ['reconnects', 'reconnects', String(s.reconnects)],
    ['stoppedCommunicating', `"Sensor stopped communicating" (no contact for ${(s.stoppedCommunicatingThresholdMs / 1000).toFixed(0)} s)`, String(s.stoppedCommunicating)],
    ['cloudDistinctSensors', 'distinct enrolled sensors the cloud saw', String(r.cloud.distinctSensors)],
  ];
  const errors = Object.entries(s.errorsByCode);
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<link rel="icon" href="data:,">',
    `<title>atp-netlab load: ${esc(r.scenario)}, ${s.sensors} sensors</title>`,
    `<style>body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse}td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left}figure{display:inline-block;margin:.5em 1em .5em 0}figcaption{font-weight:600}svg{background:#fafafa;border:1px solid #ddd}polyline{fill:none;stroke:#2563eb;stroke-width:1.5}.axis{font-size:10px;fill:#666}</style>`,
    '</head><body>',
    `<h1>Load: ${esc(r.scenario)}</h1>`,
    `<p>${s.sensors} simulated sensors as ${esc(r.identity)} to ${esc(r.target)} on engine ${esc(r.engine)}; heartbeat every ${r.shape.heartbeatMs} ms, ${r.shape.uploadBytes} B upload every ${r.shape.uploadEveryMs} ms, ramp ${r.rampMs} ms. atp-netlab ${esc(r.version)}.</p>`,
    '<table>',
    ...rows.map(([k, label, v]) => `<tr><th>${esc(label)}</th><td data-load-summary="${k}">${esc(v)}</td></tr>`),
    '</table>',
    `<h2>Errors by probe code</h2>`,
    errors.length ? `<table>${errors.map(([code, n]) => `<tr><th><code>${esc(code)}</code></th><td data-load-error="${esc(code)}">${n}</td></tr>`).join('')}</table>` : '<p data-load-errors="none">none</p>',
    '<h2>Over time</h2>',
    ...PLOTS.map((p) => plot(s.series, p.key, p.title, p.unit)),
    '</body></html>',
    '',
  ].join('\n');
}

function plot(series: LoadBucket[], key: keyof LoadBucket, title: string, unit: string): string {
  const W = 360;
  const H = 120;
  const pts = series.filter((b) => typeof b[key] === 'number').map((b) => [b.t, b[key] as number] as const);
  const maxT = Math.max(1, ...series.map((b) => b.t));
  const maxY = Math.max(1, ...pts.map(([, y]) => y));
  const xy = pts.map(([t, y]) => `${((t / maxT) * (W - 40) + 35).toFixed(1)},${(H - 15 - (y / maxY) * (H - 25)).toFixed(1)}`).join(' ');
  return (
    `<figure><figcaption>${esc(title)}</figcaption><svg data-plot="${String(key)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">` +
    `<text class="axis" x="2" y="12">${maxY} ${esc(unit)}</text><text class="axis" x="2" y="${H - 15}">0</text><text class="axis" x="${W - 40}" y="${H - 2}">${maxT} s</text>` +
    `<polyline data-points="${pts.length}" points="${xy}"/></svg></figure>`
  );
}
