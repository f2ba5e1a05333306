/**
 * Reads scenario files: YAML → zod validation → a Scenario, or an AtpNetlabError that names
 * the file, the line and the field, e.g.
 *   scenarios/x.yaml:14: field network.proxies.0.auth: expected one of none|basic|401|403-with-challenge
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { AtpNetlabError, isAtpNetlabError, type ErrorLocation } from '../errors.js';
import { readInputFile, type InputRoots } from '../input/read-input.js';
import { checkCustomerCa } from '../pki/customer-ca.js';
import { readRegFileBytes } from '../registry/reg-file-reader.js';
import { scenarioSchema, type Scenario } from './schema.js';
import { validateScenario, type ScenarioLocator } from './validate-scenario.js';

export interface LoadedScenario {
  scenario: Scenario;
  file: string;
  dir: string;
  /** Folders the scenario's fixture paths may lead into besides its own (`--allow-root`). */
  allowRoots?: readonly string[];
}

export interface LoadOptions {
  /** `--allow-root DIR`: more folders fixtures may live in (the scenario's folder always may). */
  allowRoots?: readonly string[];
}

/** Aliases one scenario may expand: anchors for reuse are fine, a "billion laughs" is not. */
const MAX_ALIAS_COUNT = 100;

/**
 * Bounded read (INPUT_CAPS.scenario: a 50 MB file is refused before parsing), encoding check,
 * YAML, schema, cross-references (validate-scenario.ts), and the fixtures it names: each
 * inside the scenario's folder or an allowed root, a regular file under its cap, a valid .reg.
 */
export async function loadScenarioFile(file: string, opts: LoadOptions = {}): Promise<LoadedScenario> {
  const bytes = await readInputFile(file, 'scenario');
  const { scenario, locate } = parseScenario(decodeScenarioBytes(bytes, file), file);
  const dir = path.dirname(file);
  const allowRoots = opts.allowRoots ?? [];
  await checkFixtures(scenario, { base: dir, allowRoots }, locate);
  return { scenario, file, dir, ...(allowRoots.length ? { allowRoots } : {}) };
}

/** Every fixture a scenario names, read through the bounded reader and parsed, before any lab starts. */
async function checkFixtures(s: Scenario, roots: InputRoots, locate: ScenarioLocator): Promise<void> {
  // A customer's own squid.conf: read here (bounded, inside the roots) and carried in the
  // definition, so that the plan stays serializable and the compiler does no I/O.
  for (const [i, p] of (s.network.proxies ?? []).entries()) {
    if (p.configText !== undefined) throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', `${p.name}: configText is set by the loader from config; name the file with config`, locate(['network', 'proxies', i, 'configText']));
    if (p.config === undefined) continue;
    const at = locate(['network', 'proxies', i, 'config']);
    if (p.implementation !== 'squid') throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', `${p.name}: config (a squid.conf) needs implementation: squid`, at);
    const bytes = await readInputFile(p.config, 'proxy-config', { roots, location: at });
    p.configText = decodeScenarioBytes(bytes, p.config);
  }
  for (const [i, m] of (s.network.middleboxes ?? []).entries()) {
    const at = (...f: string[]) => locate(['network', 'middleboxes', i, ...f]);
    if (m.inspectionCaPem !== undefined) throw new AtpNetlabError('ATPNL_SCENARIO_INVALID', `${m.name}: inspectionCaPem is set by the loader from inspectionCa; name the files with inspectionCa`, at('inspectionCaPem'));
    if (m.inspectionCa === undefined) continue;
    const certAt = at('inspectionCa', 'cert');
    const keyAt = at('inspectionCa', 'key');
    const certPem = decodeScenarioBytes(await readInputFile(m.inspectionCa.cert, 'certificate', { roots, location: certAt }), m.inspectionCa.cert);
    const keyPem = decodeScenarioBytes(await readInputFile(m.inspectionCa.key, 'private-key', { roots, location: keyAt, ownerOnly: true }), m.inspectionCa.key);
    m.inspectionCaPem = checkCustomerCa({ certPem, keyPem }, m.inspectionCa, certAt, keyAt);
  }
  for (const [i, ref] of (s.host.reg ?? []).entries()) {
    const at = locate(['host', 'reg', i]);
    const bytes = await readInputFile(ref, 'reg', { roots, location: at });
    try {
      readRegFileBytes(bytes, { file: ref });
    } catch (e) {
      // The .reg's own line is the useful one; say which scenario field named it.
      if (isAtpNetlabError(e)) throw new AtpNetlabError(e.code, `${e.message} (named by ${at.file}:${at.line ?? '?'}: field ${at.field})`, e.location, { cause: e });
      throw e;
    }
  }
}

/**
 * Scenario bytes → text. UTF-8 only (a UTF-8 BOM is dropped): UTF-16/32 files, NUL
 * characters and invalid UTF-8 are encoding errors with the line, not YAML or schema errors.
 */
export function decodeScenarioBytes(bytes: Uint8Array, file: string): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const enc = (message: string, offset: number) => {
    throw new AtpNetlabError('ATPNL_SCENARIO_ENCODING', message, { file, line: lineAt(b, offset) });
  };
  if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) {
    enc('the file is UTF-16 (byte order mark FF FE / FE FF); save it as UTF-8', 0);
  }
  const nul = b.indexOf(0);
  if (nul !== -1) enc(`NUL byte at offset ${nul}: the file is UTF-16/UTF-32 or binary; save it as UTF-8`, nul);
  const bad = firstInvalidUtf8(b);
  if (bad !== -1) enc(`invalid UTF-8 byte 0x${b[bad]!.toString(16).padStart(2, '0')} at offset ${bad}; save the file as UTF-8`, bad);
  return b.toString('utf8').replace(/^\uFEFF/, '');
}

function lineAt(b: Buffer, offset: number): number {
  let line = 1;
  for (let i = b.indexOf(0x0a); i !== -1 && i < offset; i = b.indexOf(0x0a, i + 1)) line++;
  return line;
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1 (linear). */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) [need, min] = [1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [need, min] = [2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

export function parseScenarioText(text: string, file: string): Scenario {
  return parseScenario(text, file).scenario;
}

function parseScenario(text: string, file: string): { scenario: Scenario; locate: ScenarioLocator } {
  const lineCounter = new LineCounter();
  // uniqueKeys is checked below in one pass: the library's own check is quadratic (a
  // 32k-entry mapping took 30 s). Core schema, no custom tags: `!custom` is an error.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, schema: 'core', customTags: [], merge: false });
  const at = (offset: number | undefined): ErrorLocation => {
    if (offset === undefined) return { file };
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  if (doc.errors.length) {
    const err = doc.errors[0]!;
    throw new AtpNetlabError('ATPNL_SCENARIO_YAML', `invalid YAML: ${err.message.split('\n')[0]}`, at(err.pos[0]));
  }
  // Unknown tags (`!custom`, `!!binary` outside the core schema) are warnings to the library.
  if (doc.warnings.length) {
    const w = doc.warnings[0]!;
    throw new AtpNetlabError('ATPNL_SCENARIO_YAML', `invalid YAML: ${w.message.split('\n')[0]}`, at(w.pos[0]));
  }
  checkUniqueKeys(doc, at);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // "Excessive alias count indicates a resource exhaustion attack": a YAML alias bomb.
    throw new AtpNetlabError('ATPNL_SCENARIO_YAML', `invalid YAML: ${(e as Error).message.split('\n')[0]} (at most ${MAX_ALIAS_COUNT} alias expansions)`, at(firstAliasOffset(doc)));
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new AtpNetlabError('ATPNL_SCENARIO_SCHEMA', 'a scenario file must be a YAML mapping with name, description, expect…', { file, line: 1 });
  }
  const root = doc.contents as YamlNode | null;
  const locate: ScenarioLocator = (segs) => {
    const { line, field } = locateSegments(root, segs, lineCounter);
    return { file, ...(line !== undefined ? { line } : {}), field };
  };
  const parsed = scenarioSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const { line, field } = locate2(root, issue, lineCounter);
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem${parsed.error.issues.length > 2 ? 's' : ''})` : '';
    throw new AtpNetlabError('ATPNL_SCENARIO_SCHEMA', `${describeIssue(issue)}${more}`, { file, line, field });
  }
  validateScenario(parsed.data, locate);
  return { scenario: parsed.data, locate };
}

/** Duplicate keys in any mapping, in one pass over the document (a Set per mapping). */
function checkUniqueKeys(doc: Document, at: (offset: number | undefined) => ErrorLocation): void {
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const k = pair.key;
        const text = isScalar(k) ? String(k.value) : k === null ? '' : undefined;
        if (text === undefined) continue;
        if (seen.has(text)) {
          throw new AtpNetlabError('ATPNL_SCENARIO_YAML', `invalid YAML: duplicate key "${text.slice(0, 80)}"`, at((k as YamlNode | null)?.range?.[0]));
        }
        seen.add(text);
      }
    },
  });
}

function firstAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_k, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_value') return `expected one of ${issue.values.map(String).join(' | ')}`;
  if (issue.code === 'invalid_type') return `expected ${issue.expected}${issue.message.includes('received') ? `, ${issue.message.split(', ').pop()}` : ''}`;
  if (issue.code === 'invalid_union') return `${issue.message} (no alternative of this field matches)`;
  return issue.message;
}

/** Find the YAML node at the issue's path; for unknown keys, the offending key itself. */
function locate2(root: YamlNode | null, issue: z.core.$ZodIssue, lc: LineCounter): { line?: number; field: string } {
  const segs = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  let node: YamlNode | null | undefined = root;
  let lastGood: YamlNode | null | undefined = root;
  for (const seg of segs) {
    node = child(node, seg);
    if (!node) break;
    lastGood = node;
  }
  let target = node ?? lastGood;
  let fieldPath = segs.map(String);
  if (issue.code === 'unrecognized_keys' && node && isMap(node)) {
    const key = issue.keys[0]!;
    const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === key);
    if (pair?.key) target = pair.key as YamlNode;
    fieldPath = [...fieldPath, key];
  }
  const offset = target?.range?.[0];
  return { line: offset !== undefined ? lc.linePos(offset).line : undefined, field: fieldPath.join('.') || '(top level)' };
}

/** Line of the node at a path (or of the deepest node that exists), and the dotted field. */
function locateSegments(root: YamlNode | null, segs: readonly (string | number)[], lc: LineCounter): { line?: number; field: string } {
  let node: YamlNode | null | undefined = root;
  let lastGood = root;
  for (const seg of segs) {
    node = child(node, seg);
    if (!node) break;
    lastGood = node;
  }
  const offset = (node ?? lastGood)?.range?.[0];
  return { line: offset !== undefined ? lc.linePos(offset).line : undefined, field: segs.map(String).join('.') || '(top level)' };
}

function child(node: YamlNode | null | undefined, seg: string | number): YamlNode | undefined {
  if (!node) return undefined;
  if (isMap(node)) {
    const pair = node.items.find((it) => String((it.key as { value?: unknown } | null)?.value) === String(seg));
    return (pair?.value as YamlNode | undefined) ?? undefined;
  }
  if (isSeq(node) && typeof seg === 'number') return node.items[seg] as YamlNode | undefined;
  return undefined;
}

/** Scenario files under the given paths (files or folders, recursively), sorted. */
export async function findScenarioFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = await fs.stat(p);
    } catch {
      throw new AtpNetlabError('ATPNL_FILE_NOT_FOUND', 'no such file or folder', { file: p });
    }
    if (st.isDirectory()) {
      const entries = await fs.readdir(p, { recursive: true });
      for (const e of entries) if (/\.ya?ml$/i.test(e) && !e.split(path.sep).some((s) => s.startsWith('.'))) out.push(path.join(p, e));
    } else out.push(p);
  }
  return [...new Set(out)].sort();
}
