import { describe, expect, it } from 'vitest';
import { AtpNetlabError } from '../../src/errors.js';
import { parseScenarioText } from '../../src/scenario/load-scenario.js';
import { scenarioJsonSchema } from '../../src/scenario/schema.js';

const base = `name: sample
description: A sample scenario long enough to describe a real-world situation.
expect:
  - reachable: true
`;

function errorOf(text: string): AtpNetlabError {
  try {
    parseScenarioText(text, 'scenarios/x.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(AtpNetlabError);
    return e as AtpNetlabError;
  }
  throw new Error('expected an error');
}

describe('scenario loading', () => {
  it('accepts a minimal scenario and fills defaults', () => {
    const s = parseScenarioText(base, 'x.yaml');
    expect(s.network.firewall).toEqual({ default: 'allow', rules: [] });
    expect(s.expect[0]).toMatchObject({ identities: 'all', hosts: 'all', check: 'full' });
  });

  it('bad YAML names the file and line', () => {
    const e = errorOf(`${base}network:\n  proxies: [a, b\n`);
    expect(e.code).toBe('ATPNL_SCENARIO_YAML');
    expect(e.location.file).toBe('scenarios/x.yaml');
    expect(e.location.line).toBeGreaterThanOrEqual(5);
  });

  it('an unknown key names its line and dotted field', () => {
    const e = errorOf(`${base}network:\n  proxies:\n    - name: corp-proxy\n      colour: blue\n`);
    expect(e.code).toBe('ATPNL_SCENARIO_SCHEMA');
    expect(e.location).toMatchObject({ line: 8, field: 'network.proxies.0.colour' });
    expect(e.describe()).toMatch(/^scenarios\/x\.yaml:8: field network\.proxies\.0\.colour: unknown key "colour"/);
  });

  it('a wrong type or value names its line and field', () => {
    const e = errorOf(`${base}network:\n  proxies:\n    - name: corp-proxy\n      auth: kerberos\n`);
    expect(e.location).toMatchObject({ line: 8, field: 'network.proxies.0.auth' });
    expect(e.message).toMatch(/expected one of .*basic.*403-with-challenge/);
    const t = errorOf(base.replace('reachable: true', 'reachable: "yes"'));
    expect(t.location).toMatchObject({ line: 4, field: 'expect.0.reachable' });
    expect(t.message).toMatch(/expected boolean/);
  });

  it('a missing required field is reported', () => {
    const e = errorOf('name: x\ndescription: short\n');
    expect(e.code).toBe('ATPNL_SCENARIO_SCHEMA');
  });

  it('publishes a JSON Schema from the same definition', () => {
    const js = scenarioJsonSchema() as { properties: Record<string, unknown>; additionalProperties: boolean };
    expect(Object.keys(js.properties)).toEqual(expect.arrayContaining(['name', 'description', 'network', 'host', 'expect']));
    expect(js.additionalProperties).toBe(false);
  });
});

describe('committed artefacts', () => {
  it('scenarios/schema.json is generated from the current definition (run `npm run schema` after changing it)', async () => {
    const fs = await import('node:fs');
    expect(JSON.parse(fs.readFileSync('scenarios/schema.json', 'utf8'))).toEqual(JSON.parse(JSON.stringify(scenarioJsonSchema())));
  });
});
