import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInprocLab as startLab, type StartedInprocLab as StartedLab } from '../../src/engines/inproc/inproc-engine.js';
import { probeHost } from '../../src/probe/probe-host.js';
import { revocationServer } from '../../src/scenario/scenario-lab.js';
import { testPki } from '../helpers/lab-fixtures.js';

let lab: StartedLab;
beforeAll(async () => {
  lab = await startLab(
    {
      domain: 'contoso.example',
      cloud: { hosts: [{ host: 'contosoatpsensorapi.atp.azure.com' }] },
      proxies: [{ name: 'corp-proxy', allow: ['*.atp.azure.com'], ports: [443, 80] }],
      pacServers: [revocationServer()],
      firewall: { default: 'drop', rules: [{ to: 'corp-proxy', action: 'allow' }] },
    },
    await testPki(),
  );
});
afterAll(() => lab?.stop());

const base = async () => ({
  workspace: 'contosoATP',
  identity: 'LocalService' as const,
  route: { kind: 'proxy' as const, proxy: 'corp-proxy:8080' },
  caFiles: [(await testPki()).trustBundlePath('cloud')],
  expectRoots: ['atp-netlab Lab Cloud Root G2'],
  transport: lab.hostTransport(),
});

describe('real-mode probe and revocation', () => {
  it('warn: the sensorapi check stays reachable and carries the revocation warning', async () => {
    const r = await probeHost({ ...(await base()), revocation: 'warn' });
    expect(r.checks[0]!.observed).toMatchObject({ reachable: true, code: 'OK' });
    expect(r.checks[0]!.observed.warnings!.join(' ')).toMatch(/revocation data unreachable: crl\.microsoft\.com/);
    expect(r.revocation!.checks.every((c) => c.code === 'PROXY_DENIED')).toBe(true);
  });
  it('enforce: the check fails at tls with TLS_REVOCATION_UNREACHABLE', async () => {
    const r = await probeHost({ ...(await base()), revocation: 'enforce' });
    expect(r.checks[0]!.observed).toMatchObject({ reachable: false, step: 'tls', code: 'TLS_REVOCATION_UNREACHABLE' });
  });
});
