/**
 * Structure-aware generators of hostile inputs (fast-check): scenario files built from the
 * schema's own shape and then broken in the ways the hostile tester broke them, and .reg files
 * built from regedit's grammar and then mutated. Shared by the fuzz test (fixed seed, a few
 * hundred cases) and test/soak/fuzz-soak.ts (many more).
 */
import fc from 'fast-check';
import { encodeRegText } from '../../src/registry/index.js';
import { encodeSettings } from '../../src/wininet/index.js';

/** Fixture paths a hostile scenario may name (relative to its folder; `outside/` is a sibling folder with a canary). */
export const FIXTURE_REFS = [
  'fixtures/ok.reg',
  'fixtures/missing.reg',
  '../outside/canary.reg',
  'link-out.reg',
  'link-etc',
  'pipe.reg',
  '/etc/passwd',
  '/etc/shadow',
  '/proc/self/environ',
  '/dev/zero',
  '/dev/stdin',
  'fixtures',
  'fixtures/../../outside/canary.reg',
  'fixtures/bad.reg',
] as const;

const name = fc.oneof(fc.constantFrom('corp-proxy', 'mb', 'pac', 'a', 'b', 'windows-host', 'revocation'), fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,8}$/), fc.string({ maxLength: 8 }));
const hostish = fc.oneof(fc.constantFrom('contosoatpsensorapi.atp.azure.com', '*.atp.azure.com', '*', '127.0.0.1', '8.8.8.8', '::1', 'corp-proxy', 'mb', 'evil.example'), fc.domain());
const junk: fc.Arbitrary<unknown> = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }));

const proxy = fc.record(
  { name, port: fc.oneof(fc.integer({ min: 1, max: 65535 }), junk), upstream: fc.oneof(name, hostish), auth: fc.constantFrom('none', 'basic', '401', 'kerberos'), allow: fc.array(hostish, { maxLength: 4 }), colour: junk },
  { requiredKeys: ['name'] },
);
const middlebox = fc.record({ name, mode: fc.constantFrom('none', 'splice', 'intercept', 'intercept-mutual', 'mitm') }, { requiredKeys: ['name'] });

/** A scenario object: mostly schema-shaped, with wrong types, unknown keys and bad references mixed in. */
export const scenarioObject: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    name: fc.oneof(fc.constant('fuzz'), name),
    description: fc.oneof(fc.constant('A fuzzed scenario, generated to check that loading fails cleanly or succeeds.'), fc.string({ maxLength: 50 })),
    extraHosts: fc.array(hostish, { maxLength: 70 }),
    network: fc.record(
      {
        proxies: fc.array(proxy, { maxLength: 18 }),
        middleboxes: fc.array(middlebox, { maxLength: 3 }),
        transparentProxy: fc.record({ middlebox: name }, { requiredKeys: [] }),
        dns: fc.record({ records: fc.dictionary(fc.domain(), hostish, { maxKeys: 5 }), remove: fc.array(fc.domain(), { maxLength: 3 }) }, { requiredKeys: [] }),
        firewall: fc.record({ default: fc.constantFrom('allow', 'drop', 'reject', 'maybe') }),
      },
      { requiredKeys: [] },
    ),
    host: fc.record({ reg: fc.array(fc.constantFrom(...FIXTURE_REFS), { minLength: 1, maxLength: 3 }), identities: fc.constant({}) }, { requiredKeys: [] }),
    expect: fc.oneof(fc.constant([{ reachable: true }]), fc.array(fc.record({ reachable: fc.oneof(fc.boolean(), junk), code: fc.constantFrom('OK', 'NOPE') }, { requiredKeys: ['reachable'] }), { maxLength: 3 })),
    bogus: junk,
  },
  { requiredKeys: ['name', 'description', 'expect'] },
);

const validName = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);
/** Schema-valid scenarios with one hostile aspect: a fixture path, a reference, a cap, a name clash. */
export const nearValidScenario: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    refs: fc.array(fc.constantFrom(...FIXTURE_REFS), { minLength: 0, maxLength: 2 }),
    proxies: fc.array(fc.record({ name: validName, upstream: fc.option(fc.oneof(validName, fc.constantFrom('ghost')), { nil: undefined }) }, { requiredKeys: ['name'] }), { maxLength: 18 }),
    middleboxes: fc.array(fc.record({ name: validName, mode: fc.constant('none') }), { maxLength: 2 }),
    records: fc.dictionary(fc.domain(), hostish, { maxKeys: 3 }),
  })
  .map(({ refs, proxies, middleboxes, records }) => ({
    name: 'fuzz',
    description: 'A fuzzed scenario, generated to check that loading fails cleanly or succeeds.',
    network: { proxies: proxies.map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined))), middleboxes, dns: { records } },
    ...(refs.length ? { host: { reg: refs } } : {}),
    expect: [{ reachable: true }],
  }));

function yamlScalar(v: unknown): string {
  return JSON.stringify(v);
}

/** A flow-style YAML rendering (JSON is YAML), so every object above has a text form. */
export function toYaml(v: unknown, indent = ''): string {
  if (v === null || typeof v !== 'object') return yamlScalar(v);
  if (Array.isArray(v)) return v.length ? v.map((x) => `\n${indent}- ${toYaml(x, indent + '  ')}`).join('') : '[]';
  const entries = Object.entries(v as Record<string, unknown>);
  if (!entries.length) return '{}';
  return entries.map(([k, x]) => `\n${indent}${yamlScalar(k)}: ${toYaml(x, indent + '  ')}`).join('');
}

/** Text-level damage applied after rendering: what a hostile file does that no object can. */
const damage = fc.constantFrom(
  'none',
  'alias-bomb',
  'unknown-tag',
  'binary-tag',
  'duplicate-key',
  'utf16',
  'nul',
  'invalid-utf8',
  'bom',
  'truncate',
  'deep-nesting',
  'multi-doc',
  'tabs',
  'wide-mapping',
);

function applyDamage(text: string, kind: string, cut: number): Buffer {
  switch (kind) {
    case 'alias-bomb':
      return Buffer.from(`${text}\nlol0: &a0 [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 8 }, (_, i) => `lol${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`).join('\n')}\n`);
    case 'unknown-tag':
      return Buffer.from(text.replace(/^"network": /m, '"network": !custom '));
    case 'binary-tag':
      return Buffer.from(`${text}\n"x": !!binary aGVsbG8=\n`);
    case 'duplicate-key':
      return Buffer.from(`${text}\n"name": "again"\n`);
    case 'utf16':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'nul':
      return Buffer.from(text.slice(0, cut) + '\0' + text.slice(cut));
    case 'invalid-utf8':
      return Buffer.concat([Buffer.from(text.slice(0, cut)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(text.slice(cut))]);
    case 'bom':
      return Buffer.from(`\uFEFF${text}`);
    case 'truncate':
      return Buffer.from(text.slice(0, cut));
    case 'deep-nesting':
      return Buffer.from(`${text}\n"deep": ${'['.repeat(2_000)}${']'.repeat(2_000)}\n`);
    case 'multi-doc':
      return Buffer.from(`${text}\n---\n${text}\n`);
    case 'tabs':
      return Buffer.from(text.replace(/\n {2}/g, '\n\t'));
    case 'wide-mapping':
      return Buffer.from(`${text}\n"wide":\n${Array.from({ length: 5_000 }, (_, i) => `  "k${i}": ${i}`).join('\n')}\n`);
    default:
      return Buffer.from(text);
  }
}

export const hostileScenarioFile: fc.Arbitrary<{ bytes: Buffer; damage: string }> = fc
  .tuple(fc.oneof({ arbitrary: scenarioObject, weight: 1 }, { arbitrary: nearValidScenario, weight: 1 }), fc.oneof({ arbitrary: fc.constant('none'), weight: 2 }, { arbitrary: damage, weight: 3 }), fc.nat())
  .map(([obj, kind, n]) => {
    const text = toYaml(obj).trimStart() + '\n';
    return { bytes: applyDamage(text, kind, n % Math.max(1, text.length)), damage: kind };
  });

// ---- .reg files --------------------------------------------------------------------------

const CONN = 'Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections';
const keyPath = fc.constantFrom(`HKEY_CURRENT_USER\\${CONN}`, `HKEY_USERS\\S-1-5-19\\${CONN}`, `HKCU\\${CONN}`, `HKEY_USERS\\S-1-5-18\\${CONN}`, 'HKEY_NOWHERE\\X', `-HKEY_CURRENT_USER\\${CONN}`, '');
const blob = fc.oneof(
  fc.constant(encodeSettings({ proxy: 'proxy.contoso.com:8080', bypass: '<local>' })),
  fc.uint8Array({ maxLength: 80 }),
  fc.constant(encodeSettings({ pac: 'http://wpad/wpad.dat', autoDetect: true })),
);
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(',');
const valueLine = fc.oneof(
  blob.map((b) => `"DefaultConnectionSettings"=hex:${hex(b)}`),
  blob.map((b) => `"SavedLegacySettings"=hex:${hex(b)}`),
  blob.map((b) => `"WinHttpSettings"=hex:${hex(b).replace(/,/g, ',\\\r\n  ')}`),
  fc.constantFrom('"DefaultConnectionSetting"=hex:46,00', '"X"=dword:zz', '"X"=hex(2):41,00', '"Unterminated=', '"DefaultConnectionSettings"=-', '@="x"', '"a"=hex:4', '"b"=hex:,,,', '"c"=dword:100000000'),
  fc.string({ maxLength: 40 }),
);
const section = fc.tuple(keyPath, fc.array(valueLine, { maxLength: 4 })).map(([k, vs]) => `[${k}]\r\n${vs.join('\r\n')}\r\n`);

export const hostileRegFile: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.constantFrom('Windows Registry Editor Version 5.00', 'REGEDIT4', 'Windows Registry Editor Version 6.00', ''),
    fc.array(section, { maxLength: 4 }),
    fc.constantFrom('utf16', 'utf8', 'utf8-bom', 'utf16-nobom', 'cp1252-junk'),
    fc.nat(),
    fc.boolean(),
  )
  .map(([header, sections, enc, n, truncate]) => {
    let text = `${header}\r\n\r\n${sections.join('\r\n')}`;
    if (truncate) text = text.slice(0, n % Math.max(1, text.length));
    switch (enc) {
      case 'utf16':
        return Buffer.from(encodeRegText(text, 'regedit5'));
      case 'utf8-bom':
        return Buffer.from(`\uFEFF${text}`);
      case 'utf16-nobom':
        return Buffer.from(text, 'utf16le');
      case 'cp1252-junk':
        return Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from([0x80, 0x9f, 0xff, 0x00])]);
      default:
        return Buffer.from(text);
    }
  });
