/**
 * The HTML report: ONE self-contained file (inline CSS, JS and SVG; no fonts, images or
 * scripts fetched, and a Content-Security-Policy that forbids any fetch), so it can be
 * attached to a CI run or mailed to a customer and opened offline.
 *
 * Per scenario: description, the distinct paths as diagrams (the hop that broke in red with
 * its code and fix, a success through SSL inspection in amber), then the checks table.
 * Filters (status, identity) are plain inline JS over `data-*` attributes, which are also
 * what tests and scrapers select on:
 *   section[data-scenario][data-scenario-status]      one per scenario
 *   tr[data-check-status][data-identity][data-host][data-code][data-path]   one per check
 *   figure[data-path-status][data-identities][data-checks][data-code]       one per distinct path
 *   g[data-hop-kind][data-hop-status][data-code]       one per hop in a diagram
 *   [data-remediation=CODE]                            explanation + fix blocks
 *   [data-summary=scenarios|passed|failed|warnings|checks|failed-checks]
 *   input[data-filter=status|identity]                 the filters; #visible-count
 */
import { IDENTITIES } from '../identity.js';
import { escapeMarkup as esc } from './escape-markup.js';
import { describeExpected, describeObserved } from './describe-check.js';
import { checkStatus, groupPaths, type CheckStatus, type PathGroup } from './path-groups.js';
import { renderPathSvg } from './path-diagram-svg.js';
import { remediationFor, remediationForCheck, type Remediation } from './remediation.js';
import type { CheckResult, RunReport, ScenarioResult } from './result-model.js';

const STATUS_TEXT: Record<CheckStatus, string> = { passed: 'pass', failed: 'FAIL', warning: 'warn' };

export function renderHtmlReport(report: RunReport): string {
  const allChecks = report.scenarios.flatMap((s) => s.checks);
  const statuses = allChecks.map(checkStatus);
  const warnings = statuses.filter((s) => s === 'warning').length;
  const failedChecks = statuses.filter((s) => s === 'failed').length;
  const identities = orderIdentities([...new Set(allChecks.map((c) => c.identity))]);
  const scenarioIds = uniqueIds(report.scenarios.map((s) => `scenario-${slug(s.name)}`));
  const { scenarios, passed, failed, skipped } = report.summary;
  const title = `atp-netlab: ${passed} of ${scenarios} scenario(s) passed${failed ? `, ${failed} failed` : ''}${skipped ? `, ${skipped} skipped` : ''}`;

  const body = [
    `<header class="top"><h1>atp-netlab report</h1><p class="meta">version ${esc(report.version)} · schema ${report.schema} · ${esc(report.durationMs)} ms</p></header>`,
    renderSummary(report, allChecks.length, failedChecks, warnings),
    renderFixOverview(report, scenarioIds),
    renderFilters(identities),
    `<main>`,
    ...report.scenarios.map((s, i) => renderScenario(s, i, scenarioIds[i]!)),
    `</main>`,
    `<footer><p>Green hops passed, a red hop is where the check broke (with the probe code and the fix), amber is a success through SSL inspection, which Microsoft does not support for sensor traffic. Grey dashed hops were never reached.</p></footer>`,
  ];

  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // Belt and braces for "self-contained": even a stray URL in user data cannot make the page fetch.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // An explicit empty icon stops browsers asking for /favicon.ico.
    '<link rel="icon" href="data:,">',
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    ...body,
    `<script>${FILTER_JS}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function renderSummary(report: RunReport, checks: number, failedChecks: number, warnings: number): string {
  const { scenarios, passed, failed, skipped } = report.summary;
  const card = (key: string, value: number, label: string, tone: string) =>
    `<div class="card card-${tone}"><span class="num" id="summary-${key}" data-summary="${key}">${value}</span><span class="label">${label}</span></div>`;
  return [
    '<section id="summary" class="summary">',
    card('scenarios', scenarios, 'scenarios', 'neutral'),
    card('passed', passed, 'passed', passed === scenarios ? 'ok' : 'neutral'),
    card('failed', failed, 'failed', failed ? 'bad' : 'neutral'),
    ...(skipped ? [card('skipped', skipped, 'skipped (not passed)', 'warn')] : []),
    card('warnings', warnings, 'warnings (SSL inspection)', warnings ? 'warn' : 'neutral'),
    card('checks', checks, 'checks', 'neutral'),
    card('failed-checks', failedChecks, 'checks not as expected', failedChecks ? 'bad' : 'neutral'),
    '</section>',
  ].join('');
}

/** The causes behind every failed or warned check, once each, with the first place to look. */
function renderFixOverview(report: RunReport, scenarioIds: string[]): string {
  const causes = new Map<string, { r: Remediation; count: number; anchor: string }>();
  report.scenarios.forEach((s, si) => {
    const groups = groupPaths(s.checks);
    s.checks.forEach((c, ci) => {
      const st = checkStatus(c);
      if (st === 'passed') return;
      const r = remediationForCheck(c);
      if (!r) return;
      const gi = groups.findIndex((g) => g.checkIndexes.includes(ci));
      const prev = causes.get(r.code);
      if (prev) prev.count++;
      else causes.set(r.code, { r, count: 1, anchor: `path-${si}-${gi}` });
    });
  });
  const cannotRun = report.scenarios.map((s, si) => ({ s, si })).filter(({ s }) => s.error);
  if (!causes.size && !cannotRun.length) return '';
  const errors = cannotRun.map(
    ({ s, si }) => `<li class="cause cause-error" data-cause="SCENARIO_ERROR"><a href="#${esc(scenarioIds[si]!)}">${esc(s.name)}</a> <strong>could not run</strong><br><span class="fix">${esc(s.error!)}</span></li>`,
  );
  const items = [...errors, ...[...causes.values()].map(
    ({ r, count, anchor }) =>
      `<li class="cause cause-${r.severity}" data-cause="${esc(r.code)}"><a href="#${anchor}"><code>${esc(r.code)}</code></a> <strong>${esc(r.title)}</strong> <span class="count">×${count}</span><br><span class="fix"><b>Fix:</b> ${codeSpans(esc(r.fix))}</span></li>`,
  )];
  return `<section id="fixes" class="fixes"><h2>What to fix</h2><p class="hint">Scenarios that could not run, and the causes of the checks that did not meet their expectation or passed only through SSL inspection.</p><ul>${items.join('')}</ul></section>`;
}

function renderFilters(identities: string[]): string {
  const box = (kind: string, value: string, label: string) =>
    `<label class="filter filter-${esc(kind)}-${esc(slug(value))}"><input type="checkbox" name="${kind}" value="${esc(value)}" data-filter="${kind}" checked> ${esc(label)}</label>`;
  return [
    '<form id="filters" class="filters" onsubmit="return false">',
    '<fieldset><legend>Status</legend>',
    box('status', 'failed', 'failed'),
    box('status', 'warning', 'warning'),
    box('status', 'passed', 'passed'),
    '</fieldset>',
    '<fieldset><legend>Identity</legend>',
    ...identities.map((i) => box('identity', i, i)),
    '</fieldset>',
    '<output id="visible-count" aria-live="polite"></output>',
    '</form>',
  ].join('');
}

function renderScenario(s: ScenarioResult, si: number, id: string): string {
  const groups = groupPaths(s.checks);
  const groupOf = new Map<number, number>();
  groups.forEach((g, gi) => g.checkIndexes.forEach((ci) => groupOf.set(ci, gi)));
  const failedChecks = s.checks.filter((c) => !c.passed).length;
  const status = s.skipped ? 'skipped' : s.passed ? 'passed' : 'failed';
  const out: string[] = [
    `<section class="scenario scenario-${status}" id="${esc(id)}" data-scenario="${esc(s.name)}" data-scenario-status="${status}">`,
    `<header><span class="badge badge-${status}">${s.skipped ? 'SKIP' : s.passed ? 'PASS' : 'FAIL'}</span> <h2>${esc(s.name)}</h2>`,
    `<span class="meta">${esc(s.file)} · ${s.checks.length} check(s)${failedChecks ? `, ${failedChecks} not as expected` : ''} · ${esc(s.durationMs)} ms</span></header>`,
    `<p class="description">${esc(s.description)}</p>`,
  ];
  if (s.skipped) out.push(`<div class="skipped" role="note"><strong>Skipped, not run (this is not a pass):</strong> ${esc(s.skipReason ?? '')}</div>`);
  if (s.error) out.push(`<div class="error" role="alert"><strong>The scenario could not run:</strong> ${esc(s.error)}</div>`);
  if (s.lab || s.steps?.length) {
    out.push(
      '<details class="lab"><summary>Lab and admin steps</summary>',
      s.lab ? `<pre>${esc(s.lab)}</pre>` : '',
      s.steps?.length ? `<ul>${s.steps.map((st) => `<li>${esc(st)}</li>`).join('')}</ul>` : '',
      '</details>',
    );
  }
  if (groups.length) {
    out.push(`<h3>Paths</h3><div class="paths">`, ...groups.map((g, gi) => renderPathFigure(s, g, si, gi)), '</div>');
  }
  if (s.checks.length) {
    out.push(
      '<h3>Checks</h3><div class="table-wrap"><table class="checks">',
      '<thead><tr><th>status</th><th>identity</th><th>host</th><th>expected</th><th>observed</th><th>route</th><th>path</th></tr></thead><tbody>',
      ...s.checks.map((c, ci) => renderCheckRow(c, si, ci, groupOf.get(ci) ?? 0)),
      '</tbody></table></div>',
    );
  }
  out.push('</section>');
  return out.join('');
}

function renderPathFigure(s: ScenarioResult, g: PathGroup, si: number, gi: number): string {
  const checkIds = g.checkIndexes.map((ci) => `check-${si}-${ci}`).join(' ');
  const statuses = g.checkIndexes.map((ci) => checkStatus(s.checks[ci]!));
  const hostWord = g.hosts.length === 1 ? g.hosts[0]! : `${g.hosts.length} hosts`;
  const svg = renderPathSvg(g.hops, {
    hostSubLabel: `as ${g.identities.join(', ')}`,
    cloudLabel: g.hosts.length === 1 ? g.hosts[0]! : `${g.hosts.length} sensorapi hosts`,
    ...(g.hosts.length > 1 ? { cloudSubLabel: `${g.hosts[0]!} +${g.hosts.length - 1}` } : {}),
  });
  const outcome = g.observed.reachable
    ? `reachable${g.observed.inspected ? ' through SSL inspection' : ''}`
    : `unreachable at ${g.observed.step} / ${g.observed.code}`;
  const r = g.status === 'ok' ? undefined : remediationFor(g.observed.code, { inspected: g.observed.inspected });
  return [
    `<figure class="path path-${g.status}" id="path-${si}-${gi}" data-path-status="${g.status}" data-code="${esc(g.observed.code)}" data-identities="${esc(g.identities.join(' '))}" data-checks="${esc(checkIds)}" data-check-statuses="${esc([...new Set(statuses)].join(' '))}">`,
    `<figcaption><span class="path-no">path ${gi + 1}</span> <strong>${esc(g.identities.join(', '))}</strong> → <span title="${esc(g.hosts.join('\n'))}">${esc(hostWord)}</span>: <span class="outcome outcome-${g.status}">${esc(outcome)}</span> <span class="route">via ${esc(g.observed.route)}</span>${statuses.includes('failed') ? ' <span class="badge badge-failed">not as expected</span>' : ''}</figcaption>`,
    `<div class="svg-wrap">${svg}</div>`,
    r ? renderRemediation(r) : '',
    '</figure>',
  ].join('');
}

function renderRemediation(r: Remediation): string {
  return [
    `<div class="remedy remedy-${r.severity}" data-remediation="${esc(r.code)}">`,
    `<p class="remedy-title"><code>${esc(r.code)}</code> <strong>${esc(r.title)}</strong></p>`,
    `<p>${codeSpans(esc(r.explanation))}</p>`,
    `<p class="fix"><b>Fix:</b> ${codeSpans(esc(r.fix))}</p>`,
    r.symptom ? `<p class="symptom"><b>On the sensor:</b> ${esc(r.symptom)}</p>` : '',
    `<p class="source"><b>Source:</b> ${esc(r.source)}</p>`,
    '</div>',
  ].join('');
}

function renderCheckRow(c: CheckResult, si: number, ci: number, gi: number): string {
  const st = checkStatus(c);
  const o = c.observed;
  const expected = `${esc(describeExpected(c))}${c.mismatches.length ? `<ul class="mismatches">${c.mismatches.map((m) => `<li>${esc(m)}</li>`).join('')}</ul>` : ''}`;
  const observed = `<details><summary>${esc(describeObserved(c))}</summary><p class="detail">${esc(o.detail)}</p>${o.issuer ? `<p class="detail">issuer: ${esc(o.issuer)}</p>` : ''}${o.warnings?.length ? `<ul>${o.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}${c.expected.confirm ? `<p class="detail confirm">${esc(c.expected.confirm)}</p>` : ''}<p class="detail">${esc(o.durationMs)} ms</p></details>`;
  return [
    `<tr class="check check-${st}" id="check-${si}-${ci}" data-check-status="${st}" data-identity="${esc(c.identity)}" data-host="${esc(c.host)}" data-code="${esc(o.code)}" data-path="path-${si}-${gi}">`,
    `<td><span class="badge badge-${st}">${STATUS_TEXT[st]}</span></td>`,
    `<td>${esc(c.identity)}</td>`,
    `<td class="host">${esc(c.host)}${c.check === 'ping' ? ' <span class="tag">ping</span>' : ''}</td>`,
    `<td>${expected}</td>`,
    `<td>${observed}</td>`,
    `<td class="route"><span class="nowrap">${esc(o.route)}</span>${o.routeSource ? ` <span class="muted">(${esc(o.routeSource)})</span>` : ''}</td>`,
    `<td><a href="#path-${si}-${gi}">${gi + 1}</a></td>`,
    '</tr>',
  ].join('');
}

/** `command` in remediation text (already escaped, so the backticks hold no markup) as <code>. */
function codeSpans(escaped: string): string {
  return escaped.replace(/`([^`]+)`/g, '<code>$1</code>');
}

function orderIdentities(ids: string[]): string[] {
  const known = IDENTITIES as readonly string[];
  const rank = (i: string) => (known.includes(i) ? known.indexOf(i) : known.length);
  return [...ids].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x';
}

function uniqueIds(ids: string[]): string[] {
  const seen = new Map<string, number>();
  return ids.map((id) => {
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    return n ? `${id}-${n + 1}` : id;
  });
}

const CSS = `
:root{--ok:#2e7d32;--bad:#c62828;--warn:#b26a00;--muted:#616161;--line:#e0e0e0;--bg:#fafafa}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#212121;background:var(--bg)}
header.top,main,#summary,#fixes,#filters,footer{max-width:1280px;margin:0 auto;padding:0 20px}
header.top{padding-top:18px}
h1{font-size:22px;margin:0}
h2{font-size:18px;margin:0;display:inline}
h3{font-size:14px;margin:14px 0 6px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.meta,.muted{color:var(--muted);font-size:12px}
.scenario>header .meta{margin-left:8px}
#summary{display:flex;flex-wrap:wrap;gap:10px;margin-top:14px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:110px}
.card .num{display:block;font-size:24px;font-weight:700}
.card .label{color:var(--muted);font-size:12px}
.card-ok .num{color:var(--ok)}.card-bad .num{color:var(--bad)}.card-warn .num{color:var(--warn)}
#fixes{margin-top:22px}
.fixes h2{font-size:16px;display:block}
.fixes ul{margin:6px 0;padding-left:18px}
.fixes li{margin:4px 0}
.cause-error code{color:var(--bad)}.cause-warning code{color:var(--warn)}
.hint{color:var(--muted);margin:2px 0}
#filters{display:flex;flex-wrap:wrap;align-items:center;gap:10px;margin-top:14px;position:sticky;top:0;background:var(--bg);padding-top:8px;padding-bottom:8px;z-index:2;border-bottom:1px solid var(--line)}
.filters fieldset{border:1px solid var(--line);border-radius:6px;padding:2px 10px 4px;background:#fff}
.filters legend{font-size:11px;color:var(--muted);text-transform:uppercase}
.filter{margin-right:10px;cursor:pointer;white-space:nowrap}
#visible-count{color:var(--muted);font-size:12px}
.scenario{background:#fff;border:1px solid var(--line);border-left:5px solid var(--ok);border-radius:8px;margin:16px 0;padding:12px 16px}
.scenario-failed{border-left-color:var(--bad)}
.description{margin:6px 0 4px;max-width:100ch}
.badge{display:inline-block;font-size:11px;font-weight:700;border-radius:4px;padding:1px 6px;vertical-align:middle;color:#fff}
.badge-skipped{background:#777}.skipped{border:1px dashed #777;padding:.5em;margin:.5em 0}.badge-passed{background:var(--ok)}.badge-failed{background:var(--bad)}.badge-warning{background:var(--warn)}
.error{border:1px solid var(--bad);background:#fdecea;border-radius:6px;padding:8px 10px;margin:8px 0}
details.lab pre{white-space:pre-wrap;font-size:12px;background:var(--bg);padding:8px;border-radius:6px}
.paths{display:flex;flex-direction:column;gap:10px}
figure.path{margin:0;border:1px solid var(--line);border-radius:8px;padding:8px 10px}
figure.path-broken{border-color:#efb3b3}
figure.path-warning{border-color:#f0cf99}
figcaption{font-size:13px;margin-bottom:4px}
.path-no{color:var(--muted);font-size:12px}
.outcome-ok{color:var(--ok)}.outcome-broken{color:var(--bad);font-weight:600}.outcome-warning{color:var(--warn);font-weight:600}
.route{color:var(--muted);font-size:12px}
.nowrap{white-space:nowrap}
.svg-wrap{overflow-x:auto}
.path-svg{max-width:100%;height:auto}
.remedy{border-left:4px solid var(--bad);background:#fff7f7;padding:4px 10px;margin-top:6px;font-size:13px}
.remedy p{margin:4px 0}
.remedy-warning{border-left-color:var(--warn);background:#fffaf0}
.remedy .source,.remedy .symptom{color:var(--muted);font-size:12px}
.table-wrap{overflow-x:auto}
table.checks{border-collapse:collapse;width:100%;font-size:13px}
table.checks th{text-align:left;font-weight:600;color:var(--muted);border-bottom:2px solid var(--line);padding:4px 6px}
table.checks td{border-bottom:1px solid var(--line);padding:4px 6px;vertical-align:top}
tr.check-failed td{background:#fff5f5}
tr.check-warning td{background:#fffaf0}
td.host{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px;white-space:nowrap}
.tag{font-size:10px;border:1px solid var(--line);border-radius:3px;padding:0 3px;color:var(--muted)}
.mismatches{color:var(--bad);margin:2px 0;padding-left:16px}
details summary{cursor:pointer}
.detail{margin:2px 0;color:var(--muted);font-size:12px;word-break:break-word}
footer{color:var(--muted);font-size:12px;padding-bottom:24px}
@media print{.filters{display:none}.scenario{break-inside:avoid}}
`;

// Plain DOM code kept as a string: no build step, no libraries, works from file://.
const FILTER_JS = `
(function () {
  var form = document.getElementById('filters');
  function checked(name) {
    var out = {};
    form.querySelectorAll('input[name="' + name + '"]').forEach(function (i) { if (i.checked) out[i.value] = true; });
    return out;
  }
  function apply() {
    var statuses = checked('status'), identities = checked('identity'), shown = 0, total = 0;
    document.querySelectorAll('tr[data-check-status]').forEach(function (tr) {
      var visible = !!statuses[tr.getAttribute('data-check-status')] && !!identities[tr.getAttribute('data-identity')];
      tr.hidden = !visible;
      total++;
      if (visible) shown++;
    });
    document.querySelectorAll('figure[data-checks]').forEach(function (f) {
      f.hidden = !f.getAttribute('data-checks').split(' ').some(function (id) {
        var row = document.getElementById(id);
        return row && !row.hidden;
      });
    });
    document.querySelectorAll('section[data-scenario]').forEach(function (s) {
      var rows = s.querySelectorAll('tr[data-check-status]');
      s.hidden = rows.length
        ? !Array.prototype.some.call(rows, function (r) { return !r.hidden; })
        : !statuses[s.getAttribute('data-scenario-status')];
    });
    document.getElementById('visible-count').textContent = shown + ' of ' + total + ' checks shown';
  }
  form.addEventListener('change', apply);
  apply();
})();
`;
