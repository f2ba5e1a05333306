import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SIGNATURES, normalise, readLog, readLogStream, triageFiles, writeScenarios, PACKAGE_SCENARIOS_DIR } from '../../src/triage/index.js';
import { PROBE_CODES } from '../../src/probe/outcome.js';
import { HOST_PREREQUISITE_CODES } from '../../src/probe/host/host-prerequisite-codes.js';
import { SOURCES } from '../../src/catalog/index.js';
import { existsSync, readFileSync } from 'node:fs';

const LOGS = 'test/fixtures/logs';
const tmp: string[] = [];
afterAll(async () => {
  for (const d of tmp) await rm(d, { recursive: true, force: true });
});
async function tmpDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'atpnl-triage-'));
  tmp.push(d);
  return d;
}

describe('signature table', () => {
  it('every entry names known codes, a known source and an existing scenario or a gap', () => {
    for (const s of SIGNATURES) {
      for (const c of s.codes) expect(c.kind === 'probe' ? PROBE_CODES[c.code] : HOST_PREREQUISITE_CODES[c.code], `${s.id} ${c.code}`).toBeDefined();
      expect(SOURCES[s.source]).toBeDefined();
      if ('scenario' in s.reproduce) expect(existsSync(path.join(PACKAGE_SCENARIOS_DIR, s.reproduce.scenario)), s.reproduce.scenario).toBe(true);
      else expect(s.reproduce.gap.length).toBeGreaterThan(20);
    }
  });
  it('every fixture is labelled synthetic on its first line', async () => {
    for (const f of ['clean.log', 'several-findings.log', 'Microsoft.Tri.Sensor.log', 'Microsoft.Tri.Sensor-Errors.log', 'Microsoft.Tri.Sensor.Deployment.Deployer.log', 'installer-missing-root.log', 'installer-msi-0x80070643.log', 'Azure Advanced Threat Protection Sensor_20260302091402.log']) {
      expect(readFileSync(path.join(LOGS, f), 'utf8').split(/\r?\n/)[0]).toMatch(/^# SYNTHETIC /);
    }
  });
});

describe('triage maps each signature of issue 14', () => {
  const cases: [string, string, string, number][] = [
    ['Azure Advanced Threat Protection Sensor_20260302091402.log', 'licensing-proxy-auth', 'PROXY_AUTH_MISREPORTED', 3],
    ['installer-missing-root.log', 'missing-root', 'HOST_ROOT_MISSING', 3],
    ['Microsoft.Tri.Sensor-Errors.log', 'two-way-ssl', 'INSPECTION_BREAKS_MUTUAL_AUTH', 3],
    ['Microsoft.Tri.Sensor.log', 'updater-port-blocked', 'HOST_UPDATER_PORT_BLOCKED', 2],
    ['installer-msi-0x80070643.log', 'msi-cannot-reach-cloud', 'TCP_TIMEOUT', 3],
    ['Microsoft.Tri.Sensor.Deployment.Deployer.log', 'certenroll-blocked', 'HOST_CERT_ENROLL_BLOCKED', 3],
  ];
  for (const [file, id, code, line] of cases) {
    it(`${file} → ${id} (${code}) at line ${line}`, async () => {
      const r = await triageFiles([path.join(LOGS, file)]);
      expect(r.findings.map((f) => f.signature)).toEqual([id]);
      const f = r.findings[0]!;
      expect(f.codes[0]!.code).toBe(code);
      expect(f.occurrences[0]).toMatchObject({ file: path.join(LOGS, file), line });
      expect(f.source.path).toBe('defender-for-identity/troubleshooting-known-issues.md');
      expect(f.remediation.length).toBeGreaterThan(20);
    });
  }
  it('matches an exception that spans lines, and refines the cause from the record', async () => {
    const r = await triageFiles([path.join(LOGS, 'Microsoft.Tri.Sensor-Errors.log')]);
    expect(r.findings[0]!.occurrences[0]!.note).toMatch(/names SSL inspection/);
    const lic = await triageFiles([path.join(LOGS, 'Azure Advanced Threat Protection Sensor_20260302091402.log')]);
    expect(lic.findings[0]!.count).toBe(3);
    expect(lic.findings[0]!.occurrences[2]!.note).toMatch(/0x642/);
  });
  it('a log with several findings: each once, in table order, counts exact, unknown errors grouped', async () => {
    const r = await triageFiles([path.join(LOGS, 'several-findings.log')]);
    expect(r.findings.map((f) => [f.signature, f.count])).toEqual([['two-way-ssl', 2], ['updater-port-blocked', 1]]);
    expect(r.unknown.records).toBe(3);
    expect(r.unknown.groups.map((g) => [g.count, g.first.line])).toEqual([[2, 3], [1, 8]]);
    expect(r.unknown.groups[0]!.pattern).toContain('DomainControllerDnsName=<v>');
  });
  it('a log with none: no findings, nothing unknown', async () => {
    const r = await triageFiles([path.join(LOGS, 'clean.log')]);
    expect(r.findings).toEqual([]);
    expect(r.unknown.records).toBe(0);
    expect(r.summary).toMatchObject({ files: 1, lines: 5, findings: 0 });
  });
  it('a folder expands to its log files', async () => {
    const r = await triageFiles([LOGS]);
    expect(r.summary.files).toBe(8);
    expect(r.findings.map((f) => f.signature)).toEqual(SIGNATURES.map((s) => s.id));
  });
});

describe('bounded reading', () => {
  it('reads UTF-16LE MSI logs (with BOM) and counts lines', async () => {
    const d = await tmpDir();
    const f = path.join(d, 'MSI1a2b3.LOG');
    const text = '# SYNTHETIC\r\n[22C0:1F3C][2026-07-08T14:46:51]e000: Error 0x80070643: Failed to install MSI package.\r\n';
    await writeFile(f, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const r = await triageFiles([f]);
    expect(r.files[0]).toMatchObject({ encoding: 'utf-16le', lines: 2, kind: 'installer' });
    expect(r.findings[0]!.signature).toBe('msi-cannot-reach-cloud');
  });
  it('stops at the size cap and says so; cuts long lines and counts them', async () => {
    const d = await tmpDir();
    const f = path.join(d, 'big.log');
    const line = '2026-01-01 00:00:00.0000 Error X ' + 'y'.repeat(200) + '\n';
    await writeFile(f, line.repeat(100));
    const r = await readLog(f, { maxBytes: 1000, maxLineChars: 50 });
    expect(r).toMatchObject({ truncated: true, bytesRead: 1000, bytes: line.length * 100 });
    expect(r.longLines).toBe(r.lines);
    expect(r.records.every((x) => x.firstLine.length <= 50)).toBe(true);
  });
  it('a piped log has the same cap: stops reading past it and says truncated', async () => {
    const line = '2026-01-01 00:00:00.0000 Error X ' + 'y'.repeat(200) + '\n';
    let pulled = 0;
    async function* chunks() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield Buffer.from(line);
      }
    }
    const r = await readLogStream(chunks(), '(stdin)', { maxBytes: 1000 });
    expect(r).toMatchObject({ file: '(stdin)', kind: 'unknown', truncated: true, bytesRead: 1000 });
    expect(pulled, 'reading stops once past the cap').toBeLessThan(10);
    const whole = await readLogStream(chunks(), '(stdin)', { maxBytes: 1 << 20 });
    expect(whole).toMatchObject({ truncated: false, bytesRead: line.length * 1000, bytes: line.length * 1000, lines: 1000 });
  });

  it('rejects a binary file with the file named', async () => {
    const d = await tmpDir();
    const f = path.join(d, 'x.log');
    await writeFile(f, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    await expect(readLog(f)).rejects.toMatchObject({ code: 'ATPNL_TRIAGE_INPUT', location: { file: f } });
  });
  it('normalises times, ids and values so the same error groups together', () => {
    expect(normalise('2026-01-01 00:00:00.0001 Error A failed [id=42 guid=0e5a32a3-5350-99e4-0000-000000000001] 0x80090008')).toBe(
      normalise('2027-02-02 11:11:11.9999 Error A failed [id=7 guid=ffffffff-5350-99e4-0000-000000000002] 0x1'),
    );
  });
});

describe('--scenario-out', () => {
  it('copies the reproducing scenario, names the gap for others, never overwrites', async () => {
    const d = await tmpDir();
    const r = await triageFiles([path.join(LOGS, 'several-findings.log')]);
    const first = await writeScenarios(r, d);
    expect(first).toEqual([
      { signature: 'two-way-ssl', written: path.join(d, 'inspection-intercept-no-mutual.yaml') },
      { signature: 'updater-port-blocked', written: path.join(d, 'host-updater-port-blocked.yaml') },
    ]);
    const gap = await writeScenarios(await triageFiles([path.join(LOGS, 'Microsoft.Tri.Sensor.Deployment.Deployer.log')]), d);
    expect(gap.find((w) => w.signature === 'certenroll-blocked')).toEqual({ signature: 'certenroll-blocked', skipped: expect.stringMatching(/^no scenario: /) });
    expect(await readFile(path.join(d, 'inspection-intercept-no-mutual.yaml'), 'utf8')).toBe(readFileSync('scenarios/inspection-intercept-no-mutual.yaml', 'utf8'));
    const again = await writeScenarios(r, d);
    expect(again[0]!.skipped).toMatch(/exists \(not overwritten\)/);
  });
});
