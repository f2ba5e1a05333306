import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.js';

const LOGS = 'test/fixtures/logs';

describe('atp-netlab triage', () => {
  it('exit 1 with findings, text names file:line, cause, code, source and the scenario', async () => {
    const r = await runCli(['triage', path.join(LOGS, 'several-findings.log')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${path.join(LOGS, 'several-findings.log')}:4:`);
    expect(r.stdout).toMatch(/code: +INSPECTION_BREAKS_MUTUAL_AUTH/);
    expect(r.stdout).toContain('troubleshooting-known-issues.md@');
    expect(r.stdout).toContain('atp-netlab run scenarios/inspection-intercept-no-mutual.yaml');
    expect(r.stdout).toMatch(/UNKNOWN errors and warnings \(3 record/);
  });
  it('exit 0 with none; --json documents schema 1', async () => {
    const r = await runCli(['triage', path.join(LOGS, 'clean.log'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ tool: 'atp-netlab', kind: 'triage', schema: 1, findings: [], summary: { files: 1, findings: 0 } });
  });
  it('exit 2, no stack trace, for a missing file or a bad option', async () => {
    const r = await runCli(['triage', 'does-not-exist.log']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does-not-exist\.log: cannot read.*ATPNL_FILE_NOT_FOUND/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const bad = await runCli(['triage', path.join(LOGS, 'clean.log'), '--max-mib', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-mib must be a positive integer/);
  });
  it('--scenario-out writes a scenario that `run` executes and passes', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'atpnl-triage-cli-'));
    try {
      const r = await runCli(['triage', path.join(LOGS, 'installer-missing-root.log'), '--scenario-out', dir]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`wrote ${path.join(dir, 'host-missing-root.yaml')}`);
      const run = await runCli(['run', dir]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/PASS host-missing-root/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const squid = spawnSync('squid', ['-v']).status === 0;

describe('atp-netlab endpoints --sensor v3', () => {
  it('prints the streamlined set with the CRL hosts on port 80', async () => {
    const r = await runCli(['endpoints', '--sensor', 'v3']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual(expect.arrayContaining(['*.endpoint.security.microsoft.com:443', 'crl.microsoft.com:80', 'www.microsoft.com:80/pkiops/*']));
  });
  it('rejects a workspace or an unmodelled geography with exit 2', async () => {
    expect((await runCli(['endpoints', '--sensor', 'v3', '--workspace', 'contoso'])).code).toBe(2);
    const r = await runCli(['endpoints', '--sensor', 'v3', '--mde', 'standard', '--region', 'asia']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not one of the MDE geographies/);
  });
  it.skipIf(!squid)('the Squid ACLs for the v3 sets parse in a real Squid (skipped: squid not installed)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'atpnl-squid-'));
    try {
      for (const mde of ['streamlined', 'standard']) {
        const acl = (await runCli(['endpoints', '--sensor', 'v3', '--mde', mde, '--format', 'squid'])).stdout;
        const conf = path.join(dir, `${mde}.conf`);
        // The port is never bound: -k parse reads and checks the configuration, then exits.
        await writeFile(conf, `http_port 127.0.0.1:3128\ncache deny all\n${acl}http_access deny all\n`);
        const res = spawnSync('squid', ['-k', 'parse', '-f', conf], { encoding: 'utf8' });
        expect(res.status, res.stderr).toBe(0);
        expect(res.stderr).not.toMatch(/FATAL|ERROR|WARNING/);
        // Squid echoes each directive it processed: the wildcard reached it as a domain ACL.
        if (mde === 'streamlined') expect(res.stderr).toContain('dstdomain .endpoint.security.microsoft.com');
        else expect(res.stderr).toContain('dstdomain winatp-gw-weu.microsoft.com');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
