import { describe, expect, it } from 'vitest';
import { PROBE_CODE_NAMES, PROBE_CODES } from '../../src/probe/outcome.js';
import { renderConsoleReport } from '../../src/report/console-report.js';
import { INSPECTED_OK, REMEDIATIONS, remediationFor, remediationForCheck } from '../../src/report/remediation.js';
import { check, failingMisreported, inspectedOk, outcome, report, scenario } from './report-fixture.js';

describe('remediation table', () => {
  it('has an entry for every probe code, and none for codes that do not exist', () => {
    expect(Object.keys(REMEDIATIONS).sort()).toEqual(Object.keys(PROBE_CODES).sort());
    for (const code of PROBE_CODE_NAMES) {
      const r = remediationFor(code);
      expect(r.code, code).toBe(code);
      expect(r.explanation.length, `${code} explanation`).toBeGreaterThan(60);
      expect(r.fix.length, `${code} fix`).toBeGreaterThan(20);
      expect(r.source, `${code} source`).toMatch(/Seed|[Ff]ield|revision|guidance/);
      expect(r.title.length, `${code} title`).toBeGreaterThan(3);
      // ROUTE_NOT_CONFIGURED is a matrix cell where nothing was tried: not an error.
      expect(r.severity, code).toBe(code === 'OK' ? 'ok' : code === 'ROUTE_NOT_CONFIGURED' ? 'warning' : 'error');
    }
  });

  it('PROXY_AUTH_MISREPORTED: LocalService cannot answer a challenge, and a non-407 answer shows up as a licensing error', () => {
    const r = remediationFor('PROXY_AUTH_MISREPORTED');
    expect(r.explanation).toMatch(/LocalService/);
    expect(r.explanation).toMatch(/401 or 403/);
    expect(r.explanation).toMatch(/licensing issues/);
    expect(r.explanation).toMatch(/LicenseInvalid/);
    expect(r.explanation).toMatch(/0x642/);
    expect(r.fix).toMatch(/407/);
    expect(r.symptom).toMatch(/licensing issues/);
  });

  it.each([
    ['PROXY_AUTH_REQUIRED', /LocalService[\s\S]*LocalSystem|LocalSystem[\s\S]*LocalService/, 'explanation'],
    ['TCP_TIMEOUT', /S-1-5-19[\s\S]*S-1-5-18/, 'fix'],
    ['TCP_TIMEOUT', /WinHTTP|winhttp/, 'explanation'],
    ['TCP_TIMEOUT', /Sensor stopped communicating/, 'symptom'],
    ['DNS_NOT_FOUND', /HKU\\S-1-5-19/, 'fix'],
    ['PROXY_DENIED', /443/, 'fix'],
    ['PROXY_DENIED', /sensorapi/, 'fix'],
    ['ROUTE_PAC_UNAVAILABLE', /WPAD/, 'explanation'],
    ['ROUTE_PAC_UNAVAILABLE', /transparent proxy or WPAD/, 'source'],
    ['TLS_UNTRUSTED_CERT', /DigiCert Global Root G2/, 'fix'],
    ['TLS_UNTRUSTED_CERT', /Baltimore/, 'fix'],
    ['TLS_UNTRUSTED_CERT', /Sensor failed to connect to service/, 'symptom'],
    ['TLS_PROTOCOL_VERSION', /SchUseStrongCrypto[\s\S]*SystemDefaultTlsVersions/, 'fix'],
    ['TLS_PROTOCOL_VERSION', /2\.107/, 'explanation'],
    ['TLS_CLIENT_CERT_REJECTED', /mutual authentication/, 'source'],
    ['INSPECTION_BREAKS_MUTUAL_AUTH', /Two way SSL connection to service failed/, 'symptom'],
    ['INSPECTION_BREAKS_MUTUAL_AUTH', /\*\.atp\.azure\.com/, 'fix'],
    ['HTTP_TIMEOUT', /5 minutes/, 'symptom'],
  ] as const)('%s: %s in its %s', (code, pattern, field) => {
    expect(remediationFor(code)[field]).toMatch(pattern);
  });

  it('OK through inspection is a warning: works, unsupported, fix = splice/bypass *.atp.azure.com', () => {
    const r = remediationFor('OK', { inspected: true });
    expect(r).toMatchObject({ code: 'OK_INSPECTED', severity: 'warning' });
    expect(r.explanation).toMatch(/does not support/);
    expect(r.fix).toMatch(/[Ss]plice or bypass inspection for \*\.atp\.azure\.com/);
    expect(r).toMatchObject(INSPECTED_OK);
    expect(remediationFor('OK')).toMatchObject({ code: 'OK', severity: 'ok' });
  });

  it('a failure through inspection says so; the inspection code itself is not repeated', () => {
    expect(remediationFor('TLS_UNTRUSTED_CERT', { inspected: true }).explanation).toMatch(/went through SSL inspection/);
    expect(remediationFor('TLS_UNTRUSTED_CERT').explanation).not.toMatch(/went through SSL inspection/);
    expect(remediationFor('INSPECTION_BREAKS_MUTUAL_AUTH', { inspected: true }).explanation).toBe(REMEDIATIONS.INSPECTION_BREAKS_MUTUAL_AUTH.explanation);
  });

  it('remediationForCheck: none for a clean path, the observed code otherwise', () => {
    expect(remediationForCheck(check('LocalService', outcome('OK')))).toBeUndefined();
    expect(remediationForCheck(check('LocalService', outcome('PROXY_DENIED')))?.code).toBe('PROXY_DENIED');
    expect(remediationForCheck(inspectedOk().checks[0]!)?.code).toBe('OK_INSPECTED');
  });

  it('the console report prints the fix under failed checks, and once for the warning', () => {
    const text = renderConsoleReport(report([failingMisreported(), inspectedOk(), scenario('fine', [check('LocalService', outcome('OK'))])]), { color: false, columns: 1000 });
    const fixLines = text.split('\n').filter((l) => l.trim().startsWith('fix:'));
    expect(fixLines).toHaveLength(3);
    expect(fixLines[0]).toContain(REMEDIATIONS.PROXY_AUTH_MISREPORTED.fix);
    expect(fixLines[2]).toContain(INSPECTED_OK.fix);
  });
});
