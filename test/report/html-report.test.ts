/**
 * The HTML report, twice: as markup from a hand-made report (fast), and as a person sees it,
 * from real scenario runs (one expectation flipped so a scenario fails, an SSL-inspection
 * scenario for the amber warning, a hostile description, a scenario that cannot run) loaded
 * in a real headless Chromium, with its DOM, filters and network activity checked and a
 * screenshot saved to test-artifacts/report.png.
 *
 * The browser is the system Chromium when there is one, else the Chromium `npm ci` brought
 * (test/helpers/browser.ts); playwright-core only drives it. It is never skipped: a skipped
 * browser test would let a broken report pass CI unnoticed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { findBrowser } from '../helpers/browser.js';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/report/html-report.js';
import { REMEDIATIONS } from '../../src/report/remediation.js';
import type { RunReport } from '../../src/report/result-model.js';
import { loadScenarioFile, parseScenarioText, type LoadedScenario } from '../../src/scenario/load-scenario.js';
import { runScenarios } from '../../src/scenario/run-scenario.js';
import { testPki } from '../helpers/lab-fixtures.js';
import { check, failingMisreported, inspectedOk, outcome, report, scenario } from './report-fixture.js';

const ARTIFACTS = path.resolve('test-artifacts');

describe('HTML report markup', () => {
  const html = renderHtmlReport(report([failingMisreported(), inspectedOk(), scenario('fine', [check('CurrentUser', outcome('OK'))])]));

  it('is one self-contained document: no external URLs, no link/src attributes except the empty icon', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/\ssrc=/);
    expect([...html.matchAll(/<link [^>]*>/g)].map((m) => m[0])).toEqual(['<link rel="icon" href="data:,">']);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('marks the broken hop with its code, the warning hop amber, and carries stable data attributes', () => {
    expect(html).toMatch(/<g class="hop" data-hop-kind="proxy" data-hop-status="broken" data-code="PROXY_AUTH_MISREPORTED">/);
    expect(html).toMatch(/<g class="hop" data-hop-kind="middlebox" data-hop-status="warning" data-code="OK">/);
    expect(html).toMatch(/<g class="hop" data-hop-kind="cloud" data-hop-status="unreached">/);
    expect(html).toContain('data-scenario="proxy-auth-misreported" data-scenario-status="failed"');
    expect(html.match(/data-check-status="failed"/g)).toHaveLength(2);
    expect(html.match(/data-check-status="warning"/g)).toHaveLength(1);
    expect(html.match(/data-check-status="passed"/g)).toHaveLength(1);
    // Both identities share one path picture in the failing scenario.
    expect(html).toContain('data-identities="LocalService LocalSystem" data-checks="check-0-0 check-0-1"');
  });

  it('escapes user data everywhere (text and attributes)', () => {
    const evil = scenario('evil', [check('LocalService', outcome('PROXY_DENIED', { detail: '<img src=x onerror=alert(1)>' }), { host: 'a"b<c>.example' })], {
      description: '<script>alert(1)</script> & "quotes"',
    });
    const out = renderHtmlReport(report([evil]));
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(out).toContain('data-host="a&quot;b&lt;c&gt;.example"');
    expect(out).not.toContain('<script>alert');
    expect(out).not.toContain('<img');
  });

  it('draws a path for checks the runner did not trace (a report rebuilt from JSON)', () => {
    const c = check('LocalService', outcome('PROXY_AUTH_REQUIRED'));
    delete c.path;
    const out = renderHtmlReport(report([scenario('untraced', [c])]));
    expect(out).toMatch(/data-hop-kind="proxy" data-hop-status="broken" data-code="PROXY_AUTH_REQUIRED"/);
    expect(out).toContain(`data-remediation="PROXY_AUTH_REQUIRED"`);
  });
});

describe('HTML report markup: legend, addresses, timings, evidence, expected failures, fixes once', () => {
  const placed = (c: ReturnType<typeof check>) => {
    c.path = c.path!.map((h) => (h.kind === 'proxy' ? { ...h, address: '127.77.0.3', port: 8080 } : h.kind === 'host' ? { ...h, address: '127.77.0.1' } : h));
    return c;
  };
  const expectedFail = (identity: string) => placed(check(identity, outcome('PROXY_AUTH_REQUIRED', { connectStatus: '407 Proxy Authentication Required', timings: { dns: 1, tcp: 2, proxy: 4 }, durationMs: 9 })));
  const out = renderHtmlReport(report([failingMisreported(), scenario('expected-407', [expectedFail('LocalService'), expectedFail('LocalSystem')]), scenario('also-407', [expectedFail('LocalService')]), inspectedOk()]));

  it('has a legend with every colour and box the diagrams use', () => {
    const legend = /<section id="legend"[\s\S]*?<\/section>/.exec(out)?.[0] ?? '';
    for (const item of ['ok', 'broken', 'expected', 'warning', 'unreached', 'timing-dns', 'timing-tcp', 'timing-proxy', 'timing-tls', 'timing-http']) expect(legend).toContain(`data-legend-item="${item}"`);
    expect(out).not.toContain('Grey dashed hops were never reached.</p></footer>');
  });

  it('shows each placed hop\'s address:port, in the diagram and the evidence', () => {
    expect(out).toMatch(/data-hop-kind="proxy" data-hop-status="broken" data-code="PROXY_AUTH_REQUIRED" data-hop-address="127\.77\.0\.3:8080"/);
    expect(out).toContain('<text class="hop-address"');
    expect(out).toMatch(/data-hop-kind="host" data-hop-status="ok" data-hop-address="127\.77\.0\.1"/);
    expect(out).toContain('data-evidence-field="hops">Windows host 127.77.0.1 → corp-proxy 127.77.0.3:8080 →');
  });

  it('draws each check\'s duration and a strip of its step timings that adds up to it', () => {
    const row = /<tr [^>]*id="check-1-0"[\s\S]*?<\/tr>/.exec(out)![0];
    expect(row).toContain('data-duration-ms="9"');
    const steps = [...row.matchAll(/data-timing-step="(\w+)" data-ms="(\d+)"/g)].map((m) => [m[1], Number(m[2])]);
    expect(steps).toEqual([['dns', 1], ['tcp', 2], ['proxy', 4], ['other', 2]]);
  });

  it('puts the raw evidence in a details row: CONNECT status line, TLS, issuer, HTTP status', () => {
    expect(out).toContain('data-evidence-field="connect">407 Proxy Authentication Required</dd>');
    const tls = renderHtmlReport(report([scenario('tls', [check('CurrentUser', outcome('OK', { tlsVersion: 'TLSv1.3', tlsCipher: 'TLS_AES_128_GCM_SHA256', issuer: 'Lab Cloud CA', httpStatus: 200 }))])]));
    expect(tls).toMatch(/<details class="evidence" data-evidence>/);
    for (const [k, v] of [['tls-version', 'TLSv1.3'], ['tls-cipher', 'TLS_AES_128_GCM_SHA256'], ['issuer', 'Lab Cloud CA'], ['http-status', '200']]) expect(tls).toContain(`data-evidence-field="${k}">${v}</dd>`);
  });

  it('marks an expected failure as such (neutral), and an unexpected one as a failure (red)', () => {
    expect(out).toMatch(/<figure class="path path-broken path-expected" id="path-1-0" data-path-status="broken"[^>]*data-expected-failure="true">/);
    expect(out).toMatch(/<figure class="path path-broken" id="path-0-0" data-path-status="broken"[^>]*data-check-statuses="failed">/);
    expect(out).toMatch(/data-code="PROXY_AUTH_REQUIRED" data-hop-address="127\.77\.0\.3:8080" data-expected-failure="true"><title>[^<]*<\/title><text[^>]*>PROXY<\/text><rect [^>]*stroke="#546e7a"/);
    expect(out).toMatch(/data-code="PROXY_AUTH_MISREPORTED"><title>[^<]*<\/title><text[^>]*>PROXY<\/text><rect [^>]*stroke="#c62828"/);
    expect(out).toMatch(/<tr class="check check-passed check-expected" id="check-1-0" data-check-status="passed"[^>]*data-expected-failure="true">/);
    expect(out.match(/<td><span class="badge badge-expected"[^>]*>expected failure</g)).toHaveLength(3);
    expect(out.match(/<figcaption>[^]*?<span class="badge badge-expected">expected failure</g)).toHaveLength(2);
  });

  it('renders each remediation once and links every path to it', () => {
    const ids = [...out.matchAll(/<div class="remedy[^"]*" id="([^"]+)" data-remediation="([^"]+)">/g)];
    expect(ids.map((m) => m[2]).sort()).toEqual(['OK_INSPECTED', 'PROXY_AUTH_MISREPORTED', 'PROXY_AUTH_REQUIRED']);
    expect(new Set(ids.map((m) => m[1])).size).toBe(ids.length);
    // Two scenarios show PROXY_AUTH_REQUIRED; both link to the one box, inside the collapsed list of expected failures' fixes.
    expect(out.match(/href="#fix-PROXY_AUTH_REQUIRED" data-fix-ref="PROXY_AUTH_REQUIRED"/g)).toHaveLength(2);
    expect(out).toMatch(/<details id="fixes-expected"[\s\S]*id="fix-PROXY_AUTH_REQUIRED"[\s\S]*<\/details>/);
    expect(out).toMatch(/data-cause="PROXY_AUTH_MISREPORTED"[^]*?×2[^]*?id="fix-PROXY_AUTH_MISREPORTED"/);
  });
});

describe('HTML report in headless Chromium (real scenario runs)', () => {
  let run: RunReport;
  let context: BrowserContext | undefined;
  let userDataDir: string | undefined;
  let page: Page;
  const requests: string[] = [];
  let fileUrl: string;
  let ready: Promise<void> | undefined;

  // Opened once, from a beforeEach rather than a beforeAll: a missing browser then FAILS each
  // test with the same clear message (a failing beforeAll reports them as skipped).
  const open = (): Promise<void> => (ready ??= launch());

  async function launch(): Promise<void> {
    // System Chromium when there is one, else the one `npm ci` brought (test/helpers/browser.ts).
    const browser = findBrowser();
    run = await runScenarios(await browserScenarios(), { pki: await testPki(), concurrency: 2 });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, 'report.html');
    fs.writeFileSync(file, renderHtmlReport(run));
    fileUrl = pathToFileURL(file).href;

    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atp-netlab-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: browser.executablePath,
      env: browser.env,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(fileUrl, { waitUntil: 'load' });
  }

  beforeEach(open, 90_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  it('the runs are what the page should show: two scenarios failing, three checks through inspection', () => {
    expect(run.summary).toEqual({ scenarios: 6, passed: 4, failed: 2, skipped: 0 });
    expect(run.scenarios.find((s) => s.name === 'proxy-auth-misreported')?.passed).toBe(false);
    expect(run.scenarios.find((s) => s.name === 'cannot-run')?.error).toBeTruthy();
  });

  it('loads with no network request but the file itself, and runs no injected script', async () => {
    expect(requests).toEqual([fileUrl]);
    expect(await page.evaluate(() => document.scripts.length)).toBe(1);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: boolean }).pwned)).toBeUndefined();
    const description = await page.locator('[data-scenario="inspection-intercept-mutual"] .description').textContent();
    expect(description).toContain('<script>window.pwned = true</script>');
    expect(description).toContain('| pipe');
  });

  it('summary and counts match the report', async () => {
    const total = run.scenarios.reduce((n, s) => n + s.checks.length, 0);
    expect(await page.locator('section[data-scenario]').count()).toBe(run.scenarios.length);
    expect(await page.locator('tr[data-check-status]').count()).toBe(total);
    expect(await page.locator('[data-summary="scenarios"]').textContent()).toBe('6');
    expect(await page.locator('[data-summary="passed"]').textContent()).toBe('4');
    expect(await page.locator('[data-summary="failed"]').textContent()).toBe('2');
    expect(await page.locator('[data-summary="warnings"]').textContent()).toBe('3');
    expect(await page.locator('tr[data-check-status="failed"]').count()).toBe(2);
    expect(await page.locator('tr[data-check-status="warning"]').count()).toBe(3);
    expect(await page.locator('#visible-count').textContent()).toBe(`${total} of ${total} checks shown`);
    expect(await page.locator('section[data-scenario-status="failed"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-scenario')))).toEqual(['proxy-auth-misreported', 'cannot-run']);
  });

  it('the failing scenario shows the broken hop at the proxy, red, with its code and fix', async () => {
    const section = page.locator('section[data-scenario="proxy-auth-misreported"]');
    const hop = section.locator('g[data-hop-status="broken"]');
    expect(await hop.count()).toBe(1);
    expect(await hop.getAttribute('data-hop-kind')).toBe('proxy');
    expect(await hop.getAttribute('data-code')).toBe('PROXY_AUTH_MISREPORTED');
    expect(await hop.locator('rect').getAttribute('stroke')).toBe('#c62828');
    expect(await hop.locator('.hop-code').textContent()).toBe('PROXY_AUTH_MISREPORTED');
    expect(await hop.isVisible()).toBe(true);
    // The fix is not repeated in the scenario: its link leads to the one box at the top.
    expect(await section.locator('[data-remediation]').count()).toBe(0);
    await section.locator('a[data-fix-ref="PROXY_AUTH_MISREPORTED"]').click();
    const remedy = page.locator('#fixes [data-remediation="PROXY_AUTH_MISREPORTED"]');
    expect(await remedy.isVisible()).toBe(true);
    expect(await remedy.evaluate((el) => el.matches(':target'))).toBe(true);
    expect(await remedy.textContent()).toContain(REMEDIATIONS.PROXY_AUTH_MISREPORTED.fix);
    expect(await remedy.textContent()).toContain('licensing issues');
    expect(await section.locator('figure[data-path-status="broken"]').getAttribute('data-identities')).toBe('LocalService LocalSystem');
  });

  it('proxy-auth-required: the administrator gets through, the services stop at the proxy (two pictures)', async () => {
    const section = page.locator('section[data-scenario="proxy-auth-required"]');
    expect(await section.locator('figure[data-path-status="ok"]').getAttribute('data-identities')).toBe('CurrentUser');
    const broken = section.locator('figure[data-path-status="broken"]');
    expect(await broken.getAttribute('data-identities')).toBe('LocalService LocalSystem');
    expect(await broken.locator('g[data-hop-status="broken"]').getAttribute('data-code')).toBe('PROXY_AUTH_REQUIRED');
  });

  it('a success through SSL inspection is amber, and an inspection that breaks mutual TLS is red at the middlebox', async () => {
    const warned = page.locator('section[data-scenario="inspection-intercept-mutual"] g[data-hop-kind="middlebox"]');
    expect(await warned.getAttribute('data-hop-status')).toBe('warning');
    expect(await warned.locator('rect').getAttribute('stroke')).toBe('#b26a00');
    expect(await page.locator('section[data-scenario="inspection-intercept-mutual"] a[data-fix-ref="OK_INSPECTED"]').getAttribute('href')).toBe('#fix-OK_INSPECTED');
    expect(await page.locator('#fixes [data-remediation="OK_INSPECTED"]').isVisible()).toBe(true);
    // Without mutual support: the sensor's full check breaks at the middlebox, while a browser-style ping gets through (amber).
    const noMutual = page.locator('section[data-scenario="inspection-intercept-no-mutual"]');
    expect(await noMutual.locator('figure[data-path-status="warning"]').getAttribute('data-identities')).toBe('CurrentUser');
    const broken = noMutual.locator('g[data-hop-status="broken"]');
    expect(await broken.getAttribute('data-hop-kind')).toBe('middlebox');
    expect(await broken.getAttribute('data-code')).toBe('INSPECTION_BREAKS_MUTUAL_AUTH');
    expect(await page.locator('section[data-scenario="cannot-run"] .error').textContent()).toContain('could not run');
  });

  it('has a legend near the top, drawn with the diagram\'s own colours', async () => {
    const legend = page.locator('#legend');
    expect(await legend.isVisible()).toBe(true);
    const top = async (sel: string) => (await page.locator(sel).boundingBox())!.y;
    expect(await top('#legend')).toBeLessThan(await top('main'));
    const stroke = (item: string) => legend.locator(`[data-legend-item="${item}"] rect`).getAttribute('stroke');
    expect(await stroke('broken')).toBe('#c62828');
    expect(await stroke('expected')).toBe('#546e7a');
    expect(await stroke('warning')).toBe('#b26a00');
    expect(await legend.locator('[data-legend-item="unreached"] rect').getAttribute('stroke-dasharray')).toBe('5 4');
    for (const st of ['dns', 'tcp', 'proxy', 'tls', 'http']) expect(await legend.locator(`[data-legend-item="timing-${st}"]`).isVisible()).toBe(true);
  });

  it('shows each hop\'s address and port, as the engine placed it', async () => {
    const section = page.locator('section[data-scenario="proxy-auth-required"]');
    const s = run.scenarios.find((x) => x.name === 'proxy-auth-required')!;
    const proxyHop = s.checks[0]!.path!.find((h) => h.kind === 'proxy')!;
    expect(proxyHop.address).toMatch(/^127\.\d+\.\d+\.\d+$/);
    const hop = section.locator('figure[data-path-status="broken"] g[data-hop-kind="proxy"]');
    expect(await hop.getAttribute('data-hop-address')).toBe(`${proxyHop.address}:${proxyHop.port}`);
    expect(s.checks[0]!.observed.route).toContain(`:${proxyHop.port}`);
    expect(await hop.locator('.hop-address').textContent()).toBe(`${proxyHop.address}:${proxyHop.port}`);
    expect(await hop.locator('.hop-address').isVisible()).toBe(true);
    expect(await section.locator('figure[data-path-status="ok"] g[data-hop-kind="cloud"]').getAttribute('data-hop-address')).toMatch(/^127\.\d+\.\d+\.\d+:443$/);
  });

  it('gives each check its duration and a strip of step timings that adds up to it', async () => {
    const rows = page.locator('tr[data-check-status]');
    const strips = await rows.evaluateAll((trs) =>
      trs.map((tr) => ({
        duration: Number(tr.querySelector('[data-duration-ms]')?.getAttribute('data-duration-ms')),
        steps: Array.from(tr.querySelectorAll('[data-timings] [data-timing-step]')).map((e) => [e.getAttribute('data-timing-step'), Number(e.getAttribute('data-ms')), (e as HTMLElement).getBoundingClientRect().width] as const),
      })),
    );
    expect(strips).toHaveLength(run.scenarios.reduce((n, x) => n + x.checks.length, 0));
    for (const st of strips) {
      expect(st.steps.length).toBeGreaterThan(0);
      expect(st.steps.reduce((n, x) => n + x[1], 0)).toBeGreaterThanOrEqual(st.duration);
      expect(st.steps.every((x) => x[2] > 0)).toBe(true);
    }
    // The services' checks stop at the proxy: dns, tcp and proxy CONNECT were timed, TLS and HTTP never ran.
    const refused = page.locator('section[data-scenario="proxy-auth-required"] tr[data-identity="LocalService"]').first();
    const names = await refused.locator('[data-timing-step]').evaluateAll((es) => es.map((e) => e.getAttribute('data-timing-step')));
    expect(names.filter((n) => n !== 'other')).toEqual(['dns', 'tcp', 'proxy']);
    const ok = page.locator('section[data-scenario="direct-internet"] tr[data-check-status="passed"]').first();
    const okNames = await ok.locator('[data-timing-step]').evaluateAll((es) => es.map((e) => e.getAttribute('data-timing-step')));
    expect(okNames).toEqual(expect.arrayContaining(['tls', 'http']));
  });

  it('opens a check\'s raw evidence: CONNECT status line, TLS version and cipher, issuer, HTTP status', async () => {
    const refused = page.locator('section[data-scenario="proxy-auth-required"] tr[data-identity="LocalService"]').first();
    const connect = refused.locator('[data-evidence-field="connect"]');
    expect(await connect.isVisible()).toBe(false);
    await refused.locator('details[data-evidence] summary').click();
    expect(await connect.isVisible()).toBe(true);
    expect(await connect.textContent()).toMatch(/^407 /);
    expect(await refused.locator('[data-evidence-field="tls-version"]').count()).toBe(0);

    const ok = page.locator('section[data-scenario="proxy-auth-required"] tr[data-identity="CurrentUser"]').first();
    await ok.locator('details[data-evidence] summary').click();
    const field = (k: string) => ok.locator(`[data-evidence-field="${k}"]`).textContent();
    expect(await field('connect')).toMatch(/^200 /);
    expect(await field('tls-version')).toMatch(/^TLSv1\.[23]$/);
    expect(await field('tls-cipher')).toMatch(/^TLS_|^ECDHE-/);
    expect(await field('issuer')).toBeTruthy();
    expect(await field('http-status')).toBe('200');
    expect(await ok.locator('[data-evidence-field="connect"]').isVisible()).toBe(true);
  });

  it('draws an expected failure neutral and an unexpected one red', async () => {
    const expected = page.locator('section[data-scenario="proxy-auth-required"] figure[data-path-status="broken"]');
    const unexpected = page.locator('section[data-scenario="proxy-auth-misreported"] figure[data-path-status="broken"]');
    expect(await expected.getAttribute('data-expected-failure')).toBe('true');
    expect(await unexpected.getAttribute('data-expected-failure')).toBeNull();
    expect(await expected.locator('g[data-hop-status="broken"] rect').getAttribute('stroke')).toBe('#546e7a');
    expect(await unexpected.locator('g[data-hop-status="broken"] rect').getAttribute('stroke')).toBe('#c62828');
    const colour = (l: ReturnType<Page['locator']>) => l.evaluate((e) => getComputedStyle(e).backgroundColor);
    const expectedBadge = page.locator('section[data-scenario="proxy-auth-required"] tr[data-expected-failure="true"] .badge').first();
    const failedBadge = page.locator('section[data-scenario="proxy-auth-misreported"] tr[data-check-status="failed"] .badge').first();
    expect(await expectedBadge.textContent()).toBe('expected failure');
    expect(await colour(expectedBadge)).toBe('rgb(84, 110, 122)');
    expect(await colour(failedBadge)).toBe('rgb(198, 40, 40)');
    expect(await expected.locator('figcaption .badge').textContent()).toBe('expected failure');
    expect(await page.locator('tr[data-expected-failure="true"]').evaluateAll((rs) => rs.every((r) => r.getAttribute('data-check-status') === 'passed'))).toBe(true);
  });

  it('renders each remediation once, and every path links to it (opening the collapsed list when needed)', async () => {
    const boxes = await page.locator('[data-remediation]').evaluateAll((es) => es.map((e) => e.id));
    expect(boxes.length).toBeGreaterThan(2);
    expect(new Set(boxes).size).toBe(boxes.length);
    expect(await page.locator('main [data-remediation]').count()).toBe(0);
    const refs = await page.locator('a[data-fix-ref]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!.slice(1)));
    expect(refs.length).toBeGreaterThan(boxes.length);
    expect(refs.every((r) => boxes.includes(r))).toBe(true);
    // Every non-ok path has a link; no ok path has one.
    expect(await page.locator('figure[data-path-status="broken"]:not(:has(a[data-fix-ref]))').count()).toBe(0);
    expect(await page.locator('figure[data-path-status="ok"] a[data-fix-ref]').count()).toBe(0);
    // An expected failure's fix sits in the collapsed list; following its link opens it.
    const link = page.locator('section[data-scenario="proxy-auth-required"] a[data-fix-ref="PROXY_AUTH_REQUIRED"]');
    const box = page.locator('#fix-PROXY_AUTH_REQUIRED');
    expect(await page.locator('#fixes-expected').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await box.isVisible()).toBe(false);
    await link.click();
    expect(await box.isVisible()).toBe(true);
    expect(await box.textContent()).toContain(REMEDIATIONS.PROXY_AUTH_REQUIRED.fix);
    expect(requests).toEqual([fileUrl]);
  });

  it('reads well: screenshot saved to test-artifacts/report.png', async () => {
    await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
    expect(fs.statSync(path.join(ARTIFACTS, 'report.png')).size).toBeGreaterThan(10_000);
  });

  it('the status filter hides passed checks (and scenarios left empty); the identity filter hides an identity', async () => {
    await page.locator('input[data-filter="status"][value="passed"]').uncheck();
    expect(await page.locator('tr[data-check-status="passed"]').evaluateAll((rows) => rows.every((r) => (r as HTMLElement).offsetParent === null))).toBe(true);
    for (const st of ['failed', 'warning']) {
      expect(await page.locator(`tr[data-check-status="${st}"]`).evaluateAll((rows) => rows.every((r) => (r as HTMLElement).offsetParent !== null))).toBe(true);
    }
    expect(await page.locator('section[data-scenario="direct-internet"]').isVisible()).toBe(false);
    expect(await page.locator('section[data-scenario="proxy-auth-misreported"]').isVisible()).toBe(true);
    expect(await page.locator('section[data-scenario="proxy-auth-required"] figure[data-path-status="ok"]').isVisible()).toBe(false);
    const total = run.scenarios.reduce((n, s) => n + s.checks.length, 0);
    expect(await page.locator('#visible-count').textContent()).toBe(`5 of ${total} checks shown`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-failed-only.png'), fullPage: true });

    await page.locator('input[data-filter="identity"][value="LocalSystem"]').uncheck();
    expect(await page.locator('#visible-count').textContent()).toBe(`3 of ${total} checks shown`);
    expect(await page.locator('tr[data-identity="LocalSystem"]').evaluateAll((rows) => rows.every((r) => (r as HTMLElement).offsetParent === null))).toBe(true);

    await page.locator('input[data-filter="status"][value="passed"]').check();
    await page.locator('input[data-filter="identity"][value="LocalSystem"]').check();
    expect(await page.locator('#visible-count').textContent()).toBe(`${total} of ${total} checks shown`);
    expect(requests).toEqual([fileUrl]);
  });
});

/** Real scenario files (one expectation flipped, one description made hostile), plus a scenario that cannot run. */
async function browserScenarios(): Promise<LoadedScenario[]> {
  const load = (name: string) => loadScenarioFile(`scenarios/${name}.yaml`);
  const misreported = await load('proxy-auth-misreported');
  // Flip: claim the sensor gets through; the lab proves it does not.
  misreported.scenario.expect = misreported.scenario.expect.map((e) => ({ ...e, reachable: true, step: undefined, code: undefined }));
  const mutual = await load('inspection-intercept-mutual');
  // Descriptions are user data: this must show as text, never run or break a table.
  mutual.scenario.description += ' <script>window.pwned = true</script> | pipe';
  const cannotRunFile = path.join('test', 'report', 'cannot-run.yaml');
  const cannotRun: LoadedScenario = {
    scenario: parseScenarioText(
      `name: cannot-run
description: >
  A host whose registry export is missing, so the scenario cannot even start; the report must
  say so instead of showing an empty table.
host:
  reg: [does-not-exist.reg]
expect:
  - { reachable: true }
`,
      cannotRunFile,
    ),
    file: cannotRunFile,
    dir: path.dirname(cannotRunFile),
  };
  return [await load('proxy-auth-required'), await load('direct-internet'), misreported, mutual, await load('inspection-intercept-no-mutual'), cannotRun];
}
