/**
 * The lab never sends a packet off this machine: lab DNS answers only lab names, and neither
 * a scenario's DNS record nor the host transport can point anywhere but loopback.
 */
import { describe, expect, it } from 'vitest';
import { AtpNetlabError } from '../../src/errors.js';
import { startInprocLab as startLab } from '../../src/engines/inproc/inproc-engine.js';
import { testPki } from '../helpers/lab-fixtures.js';

const base = { domain: 'contoso.example', cloud: { hosts: [{ host: 'contosoatpsensorapi.atp.azure.com' }] }, proxies: [], firewall: { default: 'allow' as const, rules: [] } };

describe('lab network containment', () => {
  it('answers only lab names: the real Azure names are NXDOMAIN', async () => {
    await using lab = await startLab(base, await testPki());
    const t = lab.hostTransport();
    await expect(t.lookup('contosoatpsensorapi.atp.azure.com')).resolves.toEqual([expect.stringMatching(/^127\.77\./)]);
    await expect(t.lookup('triprd1wcusw1sensorapi.atp.azure.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(t.lookup('www.microsoft.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('refuses a DNS record that points off this machine', async () => {
    await expect(startLab({ ...base, dns: { records: { 'evil.example': '10.1.2.3' } } }, await testPki())).rejects.toBeInstanceOf(AtpNetlabError);
  });

  it('the host transport refuses non-loopback destinations', async () => {
    await using lab = await startLab(base, await testPki());
    await expect(lab.hostTransport().connect('192.0.2.10', 443, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
