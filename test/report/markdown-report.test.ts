import { describe, expect, it } from 'vitest';
import { cell, MAX_ROWS_PER_SCENARIO, renderMarkdownReport } from '../../src/report/markdown-report.js';
import { REMEDIATIONS } from '../../src/report/remediation.js';
import { check, failingMisreported, inspectedOk, outcome, report, scenario } from './report-fixture.js';

/** Table cells of a Markdown row, split on pipes that are not escaped. */
function cells(row: string): string[] {
  return row.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
}

describe('Markdown report', () => {
  const passing = scenario('proxy-allowlist-ok', [check('LocalService', outcome('OK')), check('LocalSystem', outcome('OK'))]);
  const md = renderMarkdownReport(report([passing, failingMisreported(), inspectedOk()]));
  const lines = md.split('\n');

  it('starts with one summary line: counts, failures, warnings', () => {
    expect(lines[0]).toBe('## ❌ atp-netlab: 2 of 3 scenario(s) passed, 1 failed, 1 check(s) reachable only through SSL inspection (unsupported)');
    expect(md).toContain('5 check(s), 2 not as expected');
  });

  it('has a table of scenarios with status, name, checks, failures, warnings', () => {
    const start = lines.indexOf('| Status | Scenario | Checks | Failures | Warnings |');
    expect(start).toBeGreaterThan(0);
    expect(lines[start + 1]).toBe('|---|---|---:|---:|---:|');
    expect(cells(lines[start + 2]!)).toEqual(['✅ pass', 'proxy-allowlist-ok', '2', '0', '0']);
    expect(cells(lines[start + 3]!)).toEqual(['❌ fail', 'proxy-auth-misreported', '2', '2', '0']);
    expect(cells(lines[start + 4]!)).toEqual(['⚠️ warn', 'inspected-ok', '1', '0', '1']);
  });

  it('lists the failing checks of a failing scenario with expected, observed and the fix', () => {
    const head = lines.indexOf('### ❌ proxy-auth-misreported');
    expect(head).toBeGreaterThan(0);
    expect(lines[head + 2]).toBe('scenarios/proxy-auth-misreported.yaml: The proxy-auth-misreported scenario.');
    const tableStart = lines.indexOf('| Identity | Host | Expected | Observed | Fix |', head);
    const row = cells(lines[tableStart + 2]!);
    expect(row.slice(0, 4)).toEqual(['LocalService', 'contosoatpsensorapi.atp.azure.com', 'reachable (OK)', 'unreachable at proxy/PROXY\\_AUTH\\_MISREPORTED']);
    expect(row[4]).toMatch(/^\*\*Proxy challenge sent as 401\/403, not 407\*\* \(PROXY\\_AUTH\\_MISREPORTED\): Make the proxy answer CONNECT with 407/);
    expect(cells(lines[tableStart + 3]!)[0]).toBe('LocalSystem');
    expect(md).not.toContain('### ❌ proxy-allowlist-ok');
  });

  it('lists checks that pass only through inspection with the splice/bypass fix', () => {
    const head = lines.indexOf('### ⚠️ Reachable only through SSL inspection');
    expect(head).toBeGreaterThan(0);
    expect(cells(lines[head + 4]!)[3]).toContain('bypass inspection for \\*.atp.azure.com');
  });

  it('escapes pipes, line breaks and HTML in user data so the table stays a table', () => {
    expect(cell('a|b\nc <script>x</script> *.atp.azure.com and *.x')).toBe('a\\|b c &lt;script&gt;x&lt;/script&gt; \\*.atp.azure.com and \\*.x');
    const hostile = scenario('pipe|name', [
      check('LocalService', outcome('PROXY_DENIED', { detail: 'x' }), { passed: false, host: 'evil|host<b>', mismatches: ['code: a|b'] }),
    ]);
    const out = renderMarkdownReport(report([hostile]));
    const rows = out.split('\n').filter((l) => l.startsWith('|'));
    // Both tables (scenarios, failing checks) have five columns; every row must keep them.
    for (const r of rows) expect(cells(r).length, r).toBe(5);
    expect(out).toContain('pipe\\|name');
    expect(out).toContain('evil\\|host&lt;b&gt;');
    expect(out).not.toContain('<b>');
  });

  it('says when a check failed on a clean path (the expectation, not the network, is off)', () => {
    const c = check('CurrentUser', outcome('OK'), { passed: false, expected: { reachable: false, step: 'proxy', code: 'PROXY_AUTH_REQUIRED' }, mismatches: ['reachable: expected false, observed true'] });
    const out = renderMarkdownReport(report([scenario('wrong-expectation', [c])]));
    expect(out).toContain("Observed a clean path; check the scenario's expectation (reachable: expected false, observed true).");
  });

  it('a scenario that could not run says why; long failure lists are capped', () => {
    const broken = scenario('no-lab', [], { passed: false, error: 'scenarios/x.yaml: cannot read .reg file' });
    const many = scenario(
      'many',
      Array.from({ length: MAX_ROWS_PER_SCENARIO + 7 }, (_, i) => check(`LocalService`, outcome('PROXY_DENIED'), { passed: false, host: `h${i}.atp.azure.com`, mismatches: ['x'] })),
    );
    const out = renderMarkdownReport(report([broken, many]));
    expect(out).toContain('**Could not run:** scenarios/x.yaml: cannot read .reg file');
    expect(out).toContain('… and 7 more failing check(s)');
    expect(out.split('\n').filter((l) => l.startsWith('| LocalService'))).toHaveLength(MAX_ROWS_PER_SCENARIO);
    expect(out).toContain(REMEDIATIONS.PROXY_DENIED.title);
  });

  it('all green: a green verdict and no failure sections', () => {
    const out = renderMarkdownReport(report([passing]));
    expect(out.split('\n')[0]).toBe('## ✅ atp-netlab: 1 of 1 scenario(s) passed, 0 failed');
    expect(out).not.toContain('###');
  });
});
