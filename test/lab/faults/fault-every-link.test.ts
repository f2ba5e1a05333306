/**
 * A fault acts on each link issue 15 names, in a real in-process lab whose path crosses all
 * of them: the host fetches its PAC (host→pac), goes to the proxy (host→proxy), which chains
 * to a splicing middlebox (proxy→middlebox), which dials the cloud (middlebox→cloud). A
 * reset_peer on one link breaks the check, and the path trace names that link, no other.
 */
import { describe, expect, it } from 'vitest';
import { inprocEngine } from '../../../src/engines/inproc/inproc-engine.js';
import { parseScenarioText } from '../../../src/scenario/load-scenario.js';
import { runScenario } from '../../../src/scenario/run-scenario.js';
import { testPki } from '../../helpers/lab-fixtures.js';

const scenario = (faults: string) => `name: every-link
description: A PAC, a proxy chained to a splicing middlebox, and the cloud behind it, with one fault.
workspace: contosoATP
network:
  firewall:
    default: drop
    rules: [{ to: corp-proxy, port: 8080, action: allow }, { to: pac, port: 80, action: allow }]
  proxies:
    - name: corp-proxy
      upstream: inspector
  middleboxes:
    - name: inspector
      mode: splice
      spliceHosts: ["*.atp.azure.com"]
  pacServers:
    - name: pac
      files:
        /proxy.pac: 'function FindProxyForURL(url, host) { return "PROXY corp-proxy.contoso.example:8080"; }'
host:
  trust: [cloud-root, middlebox-ca]
  identities:
    LocalService: { pac: "http://pac.contoso.example/proxy.pac" }
${faults}
expect:
  - identities: [LocalService]
    reachable: true
`;

async function run(faults: string) {
  const r = await runScenario({ scenario: parseScenarioText(scenario(faults), 'every-link.yaml'), file: 'every-link.yaml', dir: '.' }, await testPki(), { engine: inprocEngine });
  expect(r.error).toBeUndefined();
  expect(r.checks).toHaveLength(1);
  return r.checks[0]!.observed;
}

describe('a fault on each link of the path', () => {
  it('without a fault the check passes through PAC, proxy, middlebox and cloud', async () => {
    const o = await run('');
    expect(o.reachable).toBe(true);
    expect(o.route).toBe('PROXY corp-proxy.contoso.example:8080');
  });

  it.each(['host->pac', 'host->proxy', 'proxy->middlebox', 'middlebox->cloud'])('%s: a reset there fails the check and the trace names that link', async (link) => {
    const o = await run(`faults:\n  - { type: reset_peer, link: "${link}", direction: upstream }`);
    expect(o.reachable).toBe(false);
    expect(o.detail).toContain(`fault reset_peer on ${link} reset a connection`);
    for (const other of ['host->pac', 'host->proxy', 'proxy->middlebox', 'middlebox->cloud'].filter((l) => l !== link)) expect(o.detail).not.toContain(`on ${other} `);
  });
});
