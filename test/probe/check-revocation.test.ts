import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REVOCATION_2023 } from '../../src/catalog/index.js';
import { startInprocLab as startLab, type StartedInprocLab as StartedLab } from '../../src/engines/inproc/inproc-engine.js';
import { checkRevocationUrl } from '../../src/probe/check-revocation.js';
import { revocationServer } from '../../src/scenario/scenario-lab.js';
import { DIRECT, route, testPki, viaProxy } from '../helpers/lab-fixtures.js';

const CRL = REVOCATION_2023[0]!.probeUrl!;
let lab: StartedLab;

beforeAll(async () => {
  lab = await startLab(
    {
      domain: 'contoso.example',
      cloud: { hosts: [] },
      proxies: [
        { name: 'atp-only', allow: ['*.atp.azure.com'], ports: [443, 80] },
        { name: 'full-list', allow: ['*.atp.azure.com', 'crl.microsoft.com'], ports: [443, 80] },
      ],
      pacServers: [revocationServer()],
      firewall: { default: 'drop', rules: [{ to: 'atp-only', action: 'allow' }, { to: 'full-list', action: 'allow' }] },
    },
    await testPki(),
  );
});
afterAll(() => lab?.stop());

const opts = () => ({ identity: 'LocalService', transport: lab.hostTransport(), tcpTimeoutMs: 200, timeoutMs: 2_000 });

describe('checkRevocationUrl', () => {
  it('fetches a CRL through a proxy that allows the revocation host (absolute-URI GET, forwarded)', async () => {
    const r = await checkRevocationUrl(CRL, route(viaProxy('full-list')), opts());
    expect(r).toMatchObject({ reachable: true, code: 'OK', host: 'crl.microsoft.com', route: 'PROXY full-list:8080' });
    expect(lab.pacServers.get('revocation')!.records.at(-1)).toMatchObject({ host: 'crl.microsoft.com', path: '/pki/crl/products/MicRooCerAut2011_2011_03_22.crl', from: 'full-list', status: 200 });
    expect(lab.proxies.get('full-list')!.records.at(-1)).toMatchObject({ decision: 'forwarded' });
  });
  it('reports the proxy refusing a revocation host off its allowlist', async () => {
    expect(await checkRevocationUrl(CRL, route(viaProxy('atp-only')), opts())).toMatchObject({ reachable: false, step: 'proxy', code: 'PROXY_DENIED' });
  });
  it('reports a dropped direct connection', async () => {
    expect(await checkRevocationUrl(CRL, route(DIRECT), opts())).toMatchObject({ reachable: false, step: 'tcp', code: 'TCP_TIMEOUT' });
  });
});
