import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startLabForScenario, shellQuote } from '../../src/cli/commands/lab-up.js';
import { probeCommand } from '../../src/cli/commands/probe.js';
import type { Identity } from '../../src/identity.js';
import { LabPki } from '../../src/pki/index.js';
import { loadScenarioFile } from '../../src/scenario/load-scenario.js';
import { runScenario } from '../../src/scenario/run-scenario.js';
import { TEST_CERTS_DIR } from '../helpers/test-certs.js';

const CERTS = TEST_CERTS_DIR;
const ROOT = path.resolve(import.meta.dirname, '../..');
// A private build: `dist/` may be rebuilt by someone else while this test runs.
const DIST = path.join(ROOT, 'test-artifacts', 'lab-up-cli-dist');
const MAIN = path.join(DIST, 'cli', 'main.js');

/**
 * `run` (in-process lab) and `probe` (real transport, pinned names) against `lab up` must agree
 * for every identity whose outcome does not depend on what only the in-process lab has (the
 * egress firewall, scenario-only proxy credentials).
 */
async function compare(file: string, identities: Identity[]): Promise<{ identity: Identity; host: string; run: string; probe: string }[]> {
  const pki = await LabPki.load(CERTS);
  const runResult = await runScenario(await loadScenarioFile(file), pki);
  expect(runResult.error).toBeUndefined();
  const rows: { identity: Identity; host: string; run: string; probe: string }[] = [];
  await using running = await startLabForScenario(file, { certs: CERTS });
  for (const identity of identities) {
    const out = await probeCommand({ ...running.probeOptions, identity, timeoutMs: 5_000 });
    for (const c of runResult.checks.filter((x) => x.identity === identity)) {
      const probed = out.report.checks.find((p) => p.host === c.host);
      rows.push({ identity, host: c.host, run: c.observed.code, probe: probed?.observed.code ?? '(not probed)' });
    }
  }
  return rows;
}

describe('lab up + probe give the codes run gives', () => {
  it('proxy-auth-required: LocalService and LocalSystem stop at 407', async () => {
    const rows = await compare('scenarios/proxy-auth-required.yaml', ['LocalService', 'LocalSystem']);
    expect(rows.length).toBe(2);
    for (const r of rows) expect(r, JSON.stringify(r)).toMatchObject({ run: 'PROXY_AUTH_REQUIRED', probe: 'PROXY_AUTH_REQUIRED' });
  });

  it('proxy-allowlist-ok: every identity reaches every host (workspace + regional)', async () => {
    const rows = await compare('scenarios/proxy-allowlist-ok.yaml', ['CurrentUser', 'LocalService', 'LocalSystem']);
    expect(rows.length).toBe(9);
    for (const r of rows) expect(r, JSON.stringify(r)).toMatchObject({ run: 'OK', probe: 'OK' });
  });

  it('prints addresses, the hosts fragment, trust and sensor files, notes, and a probe command that parses back', async () => {
    await using running = await startLabForScenario('scenarios/proxy-auth-required.yaml', { certs: CERTS });
    const proxy = running.lab.endpoints().find((c) => c.name === 'corp-proxy')!;
    expect(running.summary).toContain(`${proxy.address}:8080`);
    expect(running.summary).toContain(`${proxy.address} corp-proxy.contoso.example`);
    expect(running.summary).toContain(running.trustBundle);
    expect(running.summary).toContain(path.join(running.pki.dir, 'client-cert.pem'));
    expect(running.summary).toMatch(/firewall rules are NOT enforced for external probes/);
    expect(running.summary).toContain(`--expect-root 'atp-netlab Lab Cloud Root G2'`);
    expect(running.summary).not.toContain('lab-only'); // the scenario's proxy password
    expect(running.probeArgv.slice(0, 3)).toEqual(['probe', '--workspace', 'contosoATP']);
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    await running.stop();
    expect(existsSync(running.dir)).toBe(false);
  });
});

describe('lab up as a process, probe as another', () => {
  beforeAll(() => {
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', DIST], { cwd: ROOT, stdio: 'pipe' });
    } catch {
      // Type errors elsewhere in the tree still emit JavaScript; only a missing entry point is fatal.
    }
    expect(existsSync(MAIN)).toBe(true);
  }, 120_000);

  it('waits for the ready line, runs the printed command, stops cleanly on SIGINT', async () => {
    const child = spawn(process.execPath, [MAIN, 'lab', 'up', '--scenario', 'scenarios/proxy-auth-required.yaml', '--certs', CERTS], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line in 20 s; stdout: ${stdout}; stderr: ${stderr}`)), 20_000);
        const onData = () => {
          if (/is up; press Ctrl\+C to stop/.test(stdout)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', onData);
        void exited.then((code) => reject(new Error(`lab up exited early (${code}): ${stderr}`)));
      });
      const command = /^ {2}(atp-netlab probe .*)$/m.exec(stdout)?.[1];
      expect(command).toBeDefined();
      const shellCommand = command!.replace(/^atp-netlab /, `${shellQuote(process.execPath)} ${shellQuote(MAIN)} `);
      const probe = await new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile('sh', ['-c', shellCommand], { cwd: ROOT, timeout: 30_000 }, (err, out) => {
          resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout: out });
        });
      });
      expect(probe.code).toBe(1);
      expect(probe.stdout).toMatch(/contosoatpsensorapi\.atp\.azure\.com\s+NO\s+proxy\/PROXY_AUTH_REQUIRED\s+PROXY corp-proxy:8080 \(wininet-static\)/);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/SIGINT: stopping the lab[\s\S]*lab stopped/);
  }, 60_000);
});
