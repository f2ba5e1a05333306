/**
 * Issue 9 item 6: a CA the lab did not generate. The CA is made by the openssl CLI (RSA and
 * ECDSA P-256, openssl's own SKI method), named in a scenario, and the built-in middlebox forges
 * with it: a host trusting it passes, openssl verifies the forged leaf against it, and the
 * forged leaf's AKI is the CA's SKI as openssl itself prints them. Bad CA files are clear errors.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StartedInprocLab } from '../../src/engines/inproc/inproc-engine.js';
import { isAtpNetlabError } from '../../src/errors.js';
import { compileScenario, redactPlan } from '../../src/scenario/compile-plan.js';
import { loadScenarioFile } from '../../src/scenario/load-scenario.js';
import { runScenario } from '../../src/scenario/run-scenario.js';
import { startLabForScenario } from '../../src/cli/commands/lab-up.js';
import { probeCommand } from '../../src/cli/commands/probe.js';
import { TEST_CERTS_DIR, testPki } from '../helpers/lab-fixtures.js';
import { OPENSSL_MISSING, opensslThroughProxy } from '../helpers/openssl-cli.js';

const CLOUD = 'contosoatpsensorapi.atp.azure.com';
let dir: string;

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A CA made the way a customer's PKI team would, with the openssl CLI (req -x509 adds CA:TRUE, SKI and AKI). */
function makeCa(name: string, keyArgs: string[]): void {
  openssl('req', '-x509', '-newkey', ...keyArgs, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '30', '-subj', `/O=Contoso/CN=Contoso Inspection CA ${name}`, '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  fs.chmodSync(path.join(dir, `${name}.key`), 0o600);
}

function scenario(file: string, opts: { cert: string; key: string; trust?: string; expect?: string; extra?: string }): string {
  const p = path.join(dir, file);
  fs.writeFileSync(
    p,
    `name: customer-ca
description: A middlebox that signs with the customer's own inspection CA, made outside the project with openssl.
workspace: contosoATP
network:
  middleboxes:
    - name: inspector
      mode: intercept-mutual
      inspectionCa: { cert: ${opts.cert}, key: ${opts.key} }${opts.extra ?? ''}
host:
  trust: ${opts.trust ?? '[cloud-root, middlebox-ca]'}
  identities:
    LocalService: { proxy: "inspector:8080" }
expect:
${opts.expect ?? `  - identities: [LocalService]
    reachable: true
    inspected: true`}
`,
  );
  return p;
}

async function loadError(file: string): Promise<{ code: string; text: string }> {
  try {
    await loadScenarioFile(file);
  } catch (e) {
    if (isAtpNetlabError(e)) return { code: e.code, text: e.describe() };
    throw e;
  }
  throw new Error(`${file} loaded`);
}

describe.skipIf(OPENSSL_MISSING !== undefined)(`a customer's inspection CA made with openssl${OPENSSL_MISSING ? ` (skipped: ${OPENSSL_MISSING})` : ''}`, () => {
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atpnl-customer-ca-'));
    makeCa('rsa', ['rsa:2048']);
    makeCa('ec', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const kind of ['rsa', 'ec'] as const) {
    it(`${kind}: a host trusting it passes; openssl verifies the forged leaf against it; the leaf's AKI is the CA's SKI`, async () => {
      const file = scenario(`${kind}.yaml`, { cert: `${kind}.pem`, key: `${kind}.key` });
      const loaded = await loadScenarioFile(file);
      const result = await runScenario(loaded, await testPki());
      expect(result.error).toBeUndefined();
      expect(result.checks.map((c) => c.mismatches)).toEqual([[]]);
      expect(result.checks[0]!.observed.detail).toContain(`Contoso Inspection CA ${kind}`);

      const { plan } = await compileScenario(loaded);
      // `plan --json` never prints the customer's key.
      expect(JSON.stringify(plan)).toContain('PRIVATE KEY');
      expect(JSON.stringify(redactPlan(plan))).not.toContain('PRIVATE KEY');
      await using lab = await StartedInprocLab.start(plan, await testPki());
      const box = lab.middleboxes.get('inspector')!;
      const { code, out } = await opensslThroughProxy({ address: box.address, port: box.port }, CLOUD, path.join(dir, `${kind}.pem`));
      expect(out).toMatch(/Verification: OK/);
      expect(code, out).toBe(0);
      // The identifiers as openssl prints them: the forged leaf names its issuer by the CA's SKI.
      const leafPem = (await testPki()).leaf(CLOUD, { issuerCa: loaded.scenario.network.middleboxes[0]!.inspectionCaPem! }).certPem;
      fs.writeFileSync(path.join(dir, `${kind}-leaf.pem`), leafPem);
      const ski = /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(openssl('x509', '-in', `${kind}.pem`, '-noout', '-ext', 'subjectKeyIdentifier'))?.[1];
      const aki = /Authority Key Identifier:\s*\n\s*(?:keyid:)?([0-9A-F:]+)/.exec(openssl('x509', '-in', `${kind}-leaf.pem`, '-noout', '-ext', 'authorityKeyIdentifier'))?.[1];
      expect(ski).toBeDefined();
      expect(aki).toBe(ski);
      expect(openssl('verify', '-CAfile', `${kind}.pem`, `${kind}-leaf.pem`)).toContain(': OK');
    }, 20_000);
  }

  it('lab up: the outside probe is handed a trust bundle with the customer CA, and passes through the middlebox', async () => {
    const file = scenario('lab-up.yaml', { cert: 'rsa.pem', key: 'rsa.key' });
    await using running = await startLabForScenario(file, { certs: TEST_CERTS_DIR });
    const out = await probeCommand({ ...running.probeOptions, identity: 'LocalService', timeoutMs: 8_000 });
    const check = out.report.checks.find((c) => c.host === CLOUD)!;
    expect(check.observed).toMatchObject({ reachable: true, code: 'OK', inspected: true });
    expect(check.observed.detail).toContain('Contoso Inspection CA rsa');
  }, 30_000);

  it('a host that does not trust the customer CA sees the untrusted re-signed chain', async () => {
    const file = scenario('untrusted.yaml', { cert: 'ec.pem', key: 'ec.key', trust: '[cloud-root]', expect: '  - identities: [LocalService]\n    reachable: false\n    step: tls\n    code: TLS_UNTRUSTED_CERT\n    inspected: true\n    detailIncludes: Contoso Inspection CA ec' });
    const result = await runScenario(await loadScenarioFile(file), await testPki());
    expect(result.checks.map((c) => c.mismatches)).toEqual([[]]);
  });

  it('bad CA files are errors naming file:line: field and the value', async () => {
    fs.copyFileSync(path.join(dir, 'ec.key'), path.join(dir, 'open.key'));
    fs.chmodSync(path.join(dir, 'open.key'), 0o644);
    const open = await loadError(scenario('open.yaml', { cert: 'ec.pem', key: 'open.key' }));
    expect(open.code).toBe('ATPNL_FILE_NOT_PRIVATE');
    expect(open.text).toMatch(/open\.yaml:8: field network\.middleboxes\.0\.inspectionCa\.key: open\.key: a private key readable by group or others \(mode 0644\); run chmod 600 open\.key/);

    fs.mkdirSync(path.join(dir, 'inner'), { recursive: true });
    const outside = await loadError(path.join(path.relative(process.cwd(), dir), 'inner', path.basename(scenario('inner/outside.yaml', { cert: '../ec.pem', key: 'x.key' }))));
    expect(outside.code).toBe('ATPNL_FILE_OUTSIDE_ROOT');
    expect(outside.text).toMatch(/outside\.yaml:8: field network\.middleboxes\.0\.inspectionCa\.cert: "\.\.\/ec\.pem" resolves outside the scenario's folder/);

    const mismatch = await loadError(scenario('mismatch.yaml', { cert: 'ec.pem', key: 'rsa.key' }));
    expect(mismatch.code).toBe('ATPNL_SCENARIO_INVALID');
    expect(mismatch.text).toMatch(/field network\.middleboxes\.0\.inspectionCa\.key: rsa\.key: the key is not the private key of ec\.pem/);

    openssl('req', '-new', '-x509', '-key', 'ec.key', '-out', 'leaf.pem', '-days', '5', '-subj', '/CN=not a ca', '-addext', 'basicConstraints=critical,CA:FALSE');
    const leaf = await loadError(scenario('leaf.yaml', { cert: 'leaf.pem', key: 'ec.key' }));
    expect(leaf.text).toMatch(/field network\.middleboxes\.0\.inspectionCa\.cert: leaf\.pem: .*is not a CA certificate/);

    openssl('genpkey', '-algorithm', 'ed25519', '-out', 'ed.key');
    fs.chmodSync(path.join(dir, 'ed.key'), 0o600);
    openssl('req', '-x509', '-key', 'ed.key', '-out', 'ed.pem', '-days', '5', '-subj', '/CN=ed CA');
    const ed = await loadError(scenario('ed.yaml', { cert: 'ed.pem', key: 'ed.key' }));
    expect(ed.text).toMatch(/inspectionCa\.key: ed\.key: a ed25519 key; the middlebox signs forged leaves with RSA or ECDSA/);

    const squid = await loadError(scenario('squid.yaml', { cert: 'ec.pem', key: 'ec.key', extra: '\n      implementation: squid' }));
    expect(squid.text).toMatch(/squid\.yaml:8: field network\.middleboxes\.0\.inspectionCa: middlebox inspector: inspectionCa is a setting of the built-in middlebox \(implementation: lab\), not of squid/);

    const byHand = await loadError(scenario('by-hand.yaml', { cert: 'ec.pem', key: 'ec.key', extra: '\n      inspectionCaPem: { certPem: x, keyPem: y }' }));
    expect(byHand.text).toMatch(/inspectionCaPem is set by the loader/);
  });
});
