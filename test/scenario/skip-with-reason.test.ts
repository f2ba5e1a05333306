/**
 * A scenario the engine cannot serve is skipped with the reason, everywhere, and is never
 * counted as passed; `--require-all` turns skips into a failing exit code for CI.
 */
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { loadAll } from '../../src/cli/commands/run.js';
import { renderConsoleReport } from '../../src/report/console-report.js';
import { renderHtmlReport } from '../../src/report/html-report.js';
import { renderJsonReport } from '../../src/report/json-report.js';
import { renderJunitReport } from '../../src/report/junit-report.js';
import { renderMarkdownReport } from '../../src/report/markdown-report.js';
import { inprocEngine } from '../../src/engines/inproc/inproc-engine.js';
import { runScenarios } from '../../src/scenario/run-scenario.js';
import { runCli } from '../helpers/run-cli.js';
import { testPki } from '../helpers/lab-fixtures.js';

describe('skipped scenarios', () => {
  it('are reported skipped with the reason in every report, and never as passed', async () => {
    const loaded = await loadAll(['test/fixtures/scenarios/needs-docker.yaml', 'test/fixtures/scenarios/needs-squid-kind.yaml', 'scenarios/direct-internet.yaml']);
    const report = await runScenarios(loaded, { pki: await testPki(), concurrency: 2 });
    // Kind squid exists: the scenario runs where Squid can (root, squid installed) and is skipped with the reason elsewhere.
    const squidReason = inprocEngine.unsupported({ components: [], requires: { kinds: ['squid'] } } as never);
    const skipped = squidReason ? 2 : 1;
    expect(report.summary).toEqual({ scenarios: 3, passed: 3 - skipped, failed: 0, skipped });
    const docker = report.scenarios.find((s) => s.name === 'needs-docker');
    const squid = report.scenarios.find((s) => s.name === 'needs-squid-kind');
    expect(docker).toMatchObject({ skipped: true, passed: false, skipReason: 'the scenario needs engine docker; this run uses inproc' });
    if (squidReason) expect(squid).toMatchObject({ skipped: true, passed: false, skipReason: squidReason });
    else expect(squid).toMatchObject({ passed: true });

    const json = JSON.parse(renderJsonReport(report));
    expect(json.summary.skipped).toBe(skipped);
    expect(json.scenarios.find((s: { name: string }) => s.name === 'needs-docker')).toMatchObject({ passed: false, skipped: true, skipReason: docker!.skipReason });
    const junit = new XMLParser({ ignoreAttributes: false }).parse(renderJunitReport(report));
    const suite = [junit.testsuites.testsuite].flat().find((t: Record<string, string>) => t['@_name'] === 'needs-docker');
    expect(suite.testcase.skipped).toBeDefined();
    expect(suite.testcase['system-out']).toContain('needs engine docker');
    expect(renderConsoleReport(report, { color: false })).toMatch(new RegExp(`SKIP needs-docker .*needs engine docker[\\s\\S]*${skipped} skipped \\(not passed\\)`));
    expect(renderMarkdownReport(report)).toMatch(/⏭️ skip \| needs-docker/);
    if (squidReason) expect(renderMarkdownReport(report)).toContain(`| needs-squid-kind | ${squidReason} |`);
    const html = renderHtmlReport(report);
    expect(html).toContain('data-scenario-status="skipped"');
    expect(html).toContain('Skipped, not run (this is not a pass):');
  });

  it('exit 0 by default, 1 with --require-all', async () => {
    const plain = await runCli(['run', 'test/fixtures/scenarios/needs-docker.yaml', '--json']);
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout).summary).toMatchObject({ passed: 0, skipped: 1 });
    const strict = await runCli(['run', 'test/fixtures/scenarios/needs-docker.yaml', '--json', '--require-all']);
    expect(strict.code).toBe(1);
  });

  it('an unknown engine is a usage error (exit 2)', async () => {
    const r = await runCli(['run', 'scenarios/direct-internet.yaml', '--engine', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown engine "nope" (known: inproc, docker)');
  });
});
