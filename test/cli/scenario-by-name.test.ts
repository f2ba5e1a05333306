/**
 * A bare scenario name finds the catalogue file: ./scenarios first, else the bundled catalogue,
 * so `atp-netlab run proxy-auth-required` works from any folder. Before this, such a name was
 * "no such file or folder". Exercised through the built CLI (run, plan) and the resolver.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUNDLED_SCENARIOS_DIR } from '../../src/cli/default-scenarios.js';
import { scenarioPathFor } from '../../src/cli/scenario-by-name.js';
import { AtpNetlabError } from '../../src/errors.js';
import { TEST_CERTS_DIR } from '../helpers/test-certs.js';

let cwd = '';
beforeEach(() => {
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'by-name-'));
});
afterEach(() => fs.rmSync(cwd, { recursive: true, force: true }));

const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [path.resolve('dist/cli/main.js'), ...args], {
    cwd,
    env: { ...process.env, ATP_NETLAB_CERTS: TEST_CERTS_DIR, NO_COLOR: '1' },
    timeout: 60_000,
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

function thrown(f: () => unknown): AtpNetlabError {
  try {
    f();
  } catch (e) {
    return e as AtpNetlabError;
  }
  throw new Error('expected an error');
}

describe('scenario by name', () => {
  it('finds a bundled scenario from an empty folder, twins included', () => {
    expect(scenarioPathFor('proxy-auth-required', cwd)).toBe(path.join(BUNDLED_SCENARIOS_DIR, 'proxy-auth-required.yaml'));
    expect(scenarioPathFor('squid-allowlist-ok', cwd)).toBe(path.join(BUNDLED_SCENARIOS_DIR, 'twins', 'squid-allowlist-ok.yaml'));
  });

  it('prefers ./scenarios, and an existing path is used as given', () => {
    fs.mkdirSync(path.join(cwd, 'scenarios'));
    fs.copyFileSync(path.join(BUNDLED_SCENARIOS_DIR, 'direct-internet.yaml'), path.join(cwd, 'scenarios', 'proxy-auth-required.yaml'));
    expect(scenarioPathFor('proxy-auth-required', cwd)).toBe(path.join(cwd, 'scenarios', 'proxy-auth-required.yaml'));
    fs.writeFileSync(path.join(cwd, 'direct-internet'), '');
    expect(scenarioPathFor('direct-internet', cwd)).toBe('direct-internet');
  });

  it('an unknown name or a missing path says what was searched', () => {
    const e = thrown(() => scenarioPathFor('no-such-scenario', cwd));
    expect(e.code).toBe('ATPNL_FILE_NOT_FOUND');
    expect(e.message).toContain('no scenario no-such-scenario.yaml in');
    expect(e.message).toContain(BUNDLED_SCENARIOS_DIR);
    const p = thrown(() => scenarioPathFor('some/dir/x.yaml', cwd));
    expect(p.message).toBe('no such file or folder');
  });

  it('run and plan take the name', () => {
    const run = cli(['run', 'proxy-auth-required']);
    expect(run.err).toContain('running 1 scenario(s) on engine inproc');
    expect(run.out).toContain('PASS proxy-auth-required');
    expect(run.code).toBe(0);
    const plan = cli(['plan', 'proxy-auth-required']);
    expect(plan.code).toBe(0);
    const bad = cli(['run', 'no-such-scenario']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('no scenario no-such-scenario.yaml');
  });
});
