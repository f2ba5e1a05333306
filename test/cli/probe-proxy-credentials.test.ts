/**
 * `probe --proxy-credentials-file`: the real probe (the built CLI, a child process) against a
 * lab proxy on loopback that demands Basic auth, the built-in forward proxy and a real Squid
 * (basic_ncsa_auth; skipped with the reason where Squid is missing). Right credentials tunnel,
 * wrong ones stop at PROXY_AUTH_REQUIRED, a file others may read is refused (exit 2), and the
 * password is in none of stdout, stderr or the JSON report.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inprocEngine, startInprocLab, type StartedInprocLab } from '../../src/engines/inproc/inproc-engine.js';
import { AtpNetlabError } from '../../src/errors.js';
import { parseProxyCredentials, proxyCredentialsLine } from '../../src/probe/proxy-credentials-file.js';
import { testPki } from '../helpers/lab-fixtures.js';
import { runCli } from '../helpers/run-cli.js';

const WS_HOST = 'contosoatpsensorapi.atp.azure.com';
const USER = 'CONTOSO\\admin';
const PASSWORD = 'Zq7-lab:only-pw';
const squidMissing = inprocEngine.unsupported({ components: [{ type: 'squid' }], requires: {} } as never);

describe('the credentials file format: user:password on one line', () => {
  it('splits at the first colon (a password may hold one); a BOM and one trailing newline are tolerated', () => {
    expect(parseProxyCredentials('\uFEFFCONTOSO\\admin:a:b\r\n', 'f')).toEqual({ username: 'CONTOSO\\admin', password: 'a:b' });
    expect(parseProxyCredentials('u:', 'f')).toEqual({ username: 'u', password: '' });
    expect(proxyCredentialsLine({ username: 'u', password: 'p:q' })).toBe('u:p:q\n');
    expect(proxyCredentialsLine({ username: 'a:b', password: 'p' })).toBeUndefined();
  });

  it('bad files are usage errors that name the file and never quote it', () => {
    for (const [text, why] of [['', /empty/], ['s3kr1t-without-colon', /no colon/], [':s3kr1t', /no user name/], ['u:s3kr1t\nu2:s3kr1t', /more than one line/], ['u:sec\tret', /control character/]] as const) {
      let err: unknown;
      try {
        parseProxyCredentials(text, 'creds.txt');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AtpNetlabError);
      expect((err as AtpNetlabError).describe()).toMatch(why);
      expect((err as AtpNetlabError).describe()).toMatch(/^creds\.txt: field proxy-credentials-file: /);
      expect((err as AtpNetlabError).describe()).not.toMatch(/s3kr1t/);
    }
  });
});

for (const implementation of ['built-in', 'squid'] as const) {
  const skip = implementation === 'squid' ? squidMissing : undefined;
  describe.skipIf(skip !== undefined)(`probe --proxy-credentials-file against a ${implementation} proxy that demands Basic auth${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let lab: StartedInprocLab;
    let dir: string;
    let base: string[];
    /** The probe's command line as the interactive user (the one identity that answers a 407). */
    let asUser: string[];
    const file = (name: string) => path.join(dir, name);

    beforeAll(async () => {
      const pki = await testPki();
      lab = await startInprocLab(
        {
          domain: 'contoso.example',
          cloud: { hosts: [{ host: WS_HOST }] },
          proxies: [{ name: 'corp-proxy', ...(implementation === 'squid' ? { implementation: 'squid' as const } : {}), allow: ['*.atp.azure.com'], auth: 'basic', credentials: { username: USER, password: PASSWORD } }],
          firewall: { default: 'allow', rules: [] },
        },
        pki,
      );
      dir = await mkdtemp(path.join(os.tmpdir(), 'atpnl-probe-creds-'));
      await writeFile(file('hosts.txt'), lab.network.dns.entries().map(([n, a]) => `${a} ${n}`).join('\n') + '\n');
      const mapped = lab.endpoints().filter((e) => e.port !== e.boundPort).flatMap((e) => e.dnsNames.map((n) => `${n}:${e.address}:${e.boundPort}`));
      const proxy = lab.endpoints().find((e) => e.name === 'corp-proxy')!;
      base = [
        'probe', '--workspace', 'contosoATP', '--json',
        '--hosts', file('hosts.txt'), ...mapped.flatMap((m) => ['--resolve', m]),
        '--ca', pki.trustBundlePath('cloud'), '--expect-root', 'atp-netlab Lab Cloud Root G2', '--timeout-ms', '5000',
        '--proxy', `http://${proxy.address}:${proxy.boundPort}`,
      ];
      asUser = [...base, '--identity', 'CurrentUser'];
      await writeFile(file('right.txt'), `${USER}:${PASSWORD}\n`, { mode: 0o600 });
      await writeFile(file('wrong.txt'), `${USER}:not-${PASSWORD}\n`, { mode: 0o600 });
      await writeFile(file('open.txt'), `${USER}:${PASSWORD}\n`);
      await chmod(file('open.txt'), 0o644);
    }, 60_000);
    afterAll(async () => {
      await lab?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const expectNoPassword = (r: { stdout: string; stderr: string }) => {
      for (const s3kr1t of [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')]) {
        expect(r.stdout).not.toContain(s3kr1t);
        expect(r.stderr).not.toContain(s3kr1t);
      }
    };

    it('right credentials: the proxy tunnels, exit 0; the report names the file, not the password', async () => {
      const r = await runCli([...asUser, '--proxy-credentials-file', file('right.txt')]);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as { notes: string[]; checks: { observed: { reachable: boolean; code: string } }[] };
      expect(doc.checks[0]!.observed).toMatchObject({ reachable: true, code: 'OK' });
      expect(doc.notes.join('\n')).toContain(`proxy credentials from ${file('right.txt')}`);
      expectNoPassword(r);
    }, 60_000);

    it('wrong credentials, or none: step proxy, PROXY_AUTH_REQUIRED, exit 1', async () => {
      const wrong = await runCli([...asUser, '--proxy-credentials-file', file('wrong.txt')]);
      expect(wrong.code, wrong.stderr).toBe(1);
      const o = (JSON.parse(wrong.stdout) as { checks: { observed: { reachable: boolean; step: string; code: string; detail: string } }[] }).checks[0]!.observed;
      expect(o).toMatchObject({ reachable: false, step: 'proxy', code: 'PROXY_AUTH_REQUIRED' });
      expect(o.detail).toMatch(/the credentials offered were refused/);
      expectNoPassword(wrong);
      expect(wrong.stdout + wrong.stderr).not.toContain(`not-${PASSWORD}`);
      const none = await runCli(asUser);
      expect(none.code).toBe(1);
      expect((JSON.parse(none.stdout) as { checks: { observed: { detail: string; code: string } }[] }).checks[0]!.observed).toMatchObject({ code: 'PROXY_AUTH_REQUIRED', detail: expect.stringMatching(/has no credentials/) });
    }, 60_000);

    it('a file group or others may read is refused before anything is sent (exit 2, ATPNL_FILE_NOT_PRIVATE)', async () => {
      const r = await runCli([...asUser, '--proxy-credentials-file', file('open.txt')]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`${file('open.txt')}: a proxy credentials file readable by group or others (mode 0644); run chmod 600 ${file('open.txt')}`);
      expect(r.stderr).toMatch(/ATPNL_FILE_NOT_PRIVATE/);
      expectNoPassword(r);
    }, 60_000);

    if (implementation === 'built-in') {
      it('a service identity cannot answer a challenge: the file is read but not sent (a note); --proxy credentials and a file together are a usage error', async () => {
        const svc = await runCli([...base, '--identity', 'LocalService', '--proxy-credentials-file', file('right.txt')]);
        expect(svc.code, svc.stderr).toBe(1);
        const doc = JSON.parse(svc.stdout) as { notes: string[]; checks: { observed: { code: string } }[] };
        expect(doc.checks[0]!.observed.code).toBe('PROXY_AUTH_REQUIRED');
        expect(doc.notes.join('\n')).toMatch(/LocalService cannot answer a proxy challenge: they are not sent/);
        const proxy = lab.endpoints().find((e) => e.name === 'corp-proxy')!;
        const both = await runCli([...base.slice(0, -1), `http://u:p@${proxy.address}:${proxy.boundPort}`, '--identity', 'CurrentUser', '--proxy-credentials-file', file('right.txt')]);
        expect(both.code).toBe(2);
        expect(both.stderr).toMatch(/give proxy credentials once/);
      }, 60_000);
    }
  });
}
