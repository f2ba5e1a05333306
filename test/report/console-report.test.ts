/**
 * The console report's shapes (hand-made reports, fast): one line per passing scenario, the
 * table only for failures, warnings grouped once, the failures repeated at the end, --verbose
 * and --quiet, rows cut to the width, and colour only when asked.
 */
import { describe, expect, it } from 'vitest';
import { renderConsoleReport } from '../../src/report/console-report.js';
import { colourFor, fitColumns, truncate, visibleLength } from '../../src/report/terminal-text.js';
import { REMEDIATIONS } from '../../src/report/remediation.js';
import { check, failingMisreported, inspectedOk, outcome, report, scenario } from './report-fixture.js';

const REVOCATION = 'revocation data unreachable: crl.microsoft.com: TCP_TIMEOUT via DIRECT (e.g. dropped)';
const revoked = (host: string, identity = 'LocalService') => check(identity, outcome('OK', { route: 'DIRECT', warnings: [REVOCATION] }), { host });
const sample = () =>
  report([
    failingMisreported(),
    inspectedOk(),
    scenario('fine', [check('LocalService', outcome('OK'))]),
    scenario('revocation', [revoked('a.atp.azure.com'), revoked('b.atp.azure.com'), revoked('c.atp.azure.com', 'LocalSystem')]),
  ]);

describe('console report', () => {
  it('default: one line per passing scenario, the table only for the failure, failures again at the end', () => {
    const text = renderConsoleReport(sample(), { color: false, columns: 200 });
    const lines = text.split('\n');
    expect(lines.filter((l) => /^PASS /.test(l))).toEqual([
      expect.stringMatching(/^PASS inspected-ok \(1 check, 1 with warnings, 10 ms\)$/),
      'PASS fine (1 check, 10 ms)',
      'PASS revocation (3 checks, 3 with warnings, 10 ms)',
    ]);
    // The table header appears once: only the failing scenario has a table.
    expect(lines.filter((l) => /^\s+identity\s+host\s+expected\s+observed\s+route$/.test(l))).toHaveLength(1);
    const failures = text.slice(text.indexOf('Failures (1 scenario):'));
    expect(failures).toMatch(/^Failures \(1 scenario\):\n {2}FAIL proxy-auth-misreported scenarios\/proxy-auth-misreported\.yaml\n {7}LocalService {2}expected OK {2}observed proxy\/PROXY_AUTH_MISREPORTED {2}contosoatpsensorapi\.atp\.azure\.com\n {7}LocalSystem {3}expected OK/);
    expect(lines.at(-2)).toMatch(/^Summary: 4 scenario\(s\), 3 passed, 1 failed, 1 check\(s\) reachable only through SSL inspection/);
  });

  it('a warning seen on several checks is printed once, with the checks it was seen on and its fix', () => {
    const text = renderConsoleReport(sample(), { color: false, columns: 400 });
    expect(text.split(REVOCATION)).toHaveLength(2);
    expect(text).toContain('on 3 checks: LocalService a.atp.azure.com, LocalService b.atp.azure.com, LocalSystem c.atp.azure.com');
    expect(text).toContain(`fix: ${REMEDIATIONS.TLS_REVOCATION_UNREACHABLE.fix}`);
    expect(text).toMatch(/Warnings \(2, each printed once\):\n {2}warn reachable only through SSL inspection \(Lab Inspection CA\)/);
  });

  it('--verbose prints every table and detail; --quiet only warnings, failures and the summary', () => {
    const verbose = renderConsoleReport(sample(), { color: false, verbose: true, columns: 400 });
    expect(verbose.split('\n').filter((l) => /^\s+identity\s+host/.test(l))).toHaveLength(4);
    expect(verbose).toContain('detail for OK');
    const fixLines = verbose.split('\n').filter((l) => /^\s+fix:/.test(l));
    expect(fixLines[0]).toContain(REMEDIATIONS.PROXY_AUTH_MISREPORTED.fix);

    const quiet = renderConsoleReport(sample(), { color: false, quiet: true });
    expect(quiet).not.toMatch(/^PASS /m);
    expect(quiet).not.toMatch(/identity\s+host/);
    expect(quiet.split('\n')[0]).toMatch(/^Warnings \(2/);
    expect(quiet).toMatch(/Failures \(1 scenario\):[\s\S]*\nSummary: /);
  });

  it('prose (a fix) is broken at spaces inside the width, not cut', () => {
    const text = renderConsoleReport(sample(), { color: false, columns: 60 });
    const start = text.indexOf('      fix: ');
    const fixLines = text.slice(start).split('\n').slice(0, 8);
    const joined = fixLines.join('\n').replace(/\n {6}/g, ' ');
    expect(joined).toContain(`fix: ${REMEDIATIONS.PROXY_AUTH_MISREPORTED.fix.split(' ').slice(0, 12).join(' ')}`);
    for (const l of fixLines) expect(visibleLength(l)).toBeLessThanOrEqual(60);
  });

  it.each([40, 60, 80, 100, 132])('no line is wider than %i columns, and a cut line ends with …', (columns) => {
    const long = scenario('x'.repeat(150), [check('LocalService', outcome('PROXY_DENIED', { detail: 'd'.repeat(300) }), { passed: false, mismatches: ['m'.repeat(200)], host: `${'h'.repeat(90)}.example` })]);
    const text = renderConsoleReport(report([long, ...sample().scenarios]), { color: true, columns });
    const body = text.split('\n').slice(0, -2); // the summary line is printed whole
    for (const l of body) expect(visibleLength(l)).toBeLessThanOrEqual(columns);
    expect(body.some((l) => l.endsWith('…') || l.endsWith('…\x1b[0m'))).toBe(true);
  });

  it('colour only when asked: no escape sequence without it, styled text with it', () => {
    expect(renderConsoleReport(sample(), { color: false })).not.toContain('\x1b[');
    expect(renderConsoleReport(sample(), { color: true })).toContain('\x1b[31mFAIL\x1b[39m');
  });
});

describe('terminal text helpers', () => {
  it('truncate keeps colour sequences, counts characters, and resets after a cut', () => {
    expect(truncate('abcdef', 6)).toBe('abcdef');
    expect(truncate('abcdefg', 6)).toBe('abcde…');
    expect(truncate('\x1b[31mabcdefg\x1b[39m', 4)).toBe('\x1b[31mabc…\x1b[0m');
    expect(visibleLength('\x1b[31mabc\x1b[39m')).toBe(3);
  });

  it('fitColumns shrinks the widest column first and respects the minimums', () => {
    expect(fitColumns([10, 40, 20], 80, 2)).toEqual([10, 40, 20]);
    expect(fitColumns([10, 40, 20], 54, 2)).toEqual([10, 20, 20]);
    expect(fitColumns([10, 40, 20], 10, 2, [10, 12, 12])).toEqual([10, 12, 12]);
  });

  it('colourFor a pipe follows FORCE_COLOR and NO_COLOR as Node does', async () => {
    const { PassThrough } = await import('node:stream');
    const { WriteStream } = await import('node:tty');
    // Every variable Node's getColorDepth reads: a CI machine sets CI, which alone makes a
    // terminal report 2 colours (no colour), so the test clears them all and restores them.
    const names = ['FORCE_COLOR', 'NO_COLOR', 'NODE_DISABLE_COLORS', 'TERM', 'CI', 'TMUX', 'COLORTERM', 'TERM_PROGRAM', 'TEAMCITY_VERSION'] as const;
    const saved = Object.fromEntries(names.map((k) => [k, process.env[k]]));
    try {
      for (const k of names) delete process.env[k];
      expect(colourFor(new PassThrough())).toBe(false);
      process.env.FORCE_COLOR = '1';
      expect(colourFor(new PassThrough())).toBe(true);
      delete process.env.FORCE_COLOR;
      process.env.NO_COLOR = '1';
      // A terminal as node:tty describes one, whose colour depth reads the environment.
      const tty = () => Object.assign(new PassThrough(), { isTTY: true, getColorDepth: WriteStream.prototype.getColorDepth });
      expect(colourFor(tty())).toBe(false);
      delete process.env.NO_COLOR;
      process.env.TERM = 'xterm-256color';
      expect(colourFor(tty())).toBe(true);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
});
