/**
 * Reads scenario files: YAML → zod validation → a Scenario, or an AtpNetlabError that names
 * the file, the line and the field, e.g.
 *   scenarios/x.yaml:14: field network.proxies.0.auth: expected one of none|basic|401|403-with-challenge
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { AtpNetlabError } from '../errors.js';
import { scenarioSchema, type Scenario } from './schema.js';

export interface LoadedScenario {
  scenario: Scenario;
  file: string;
  dir: string;
}

export async function loadScenarioFile(file: string): Promise<LoadedScenario> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new AtpNetlabError('ATPNL_FILE_NOT_FOUND', `cannot read scenario: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  return { scenario: parseScenarioText(text, file), file, dir: path.dirname(file) };
}

export function parseScenarioText(text: string, file: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const err = doc.errors[0]!;
    const pos = lineCounter.linePos(err.pos[0]);
    throw new AtpNetlabError('ATPNL_SCENARIO_YAML', `invalid YAML: ${err.message.split('\n')[0]}`, { file, line: pos.line, column: pos.col });
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new AtpNetlabError('ATPNL_SCENARIO_SCHEMA', 'a scenario file must be a YAML mapping with name, description, expect…', { file, line: 1 });
  }
  const parsed = scenarioSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const { line, field } = locate(doc.contents as YamlNode | null, issue, lineCounter);
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem${parsed.error.issues.length > 2 ? 's' : ''})` : '';
  throw new AtpNetlabError('ATPNL_SCENARIO_SCHEMA', `${describeIssue(issue)}${more}`, { file, line, field });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_value') return `expected one of ${issue.values.map(String).join(' | ')}`;
  if (issue.code === 'invalid_type') return `expected ${issue.expected}${issue.message.includes('received') ? `, ${issue.message.split(', ').pop()}` : ''}`;
  if (issue.code === 'invalid_union') return `${issue.message} (no alternative of this field matches)`;
  return issue.message;
}

/** Find the YAML node at the issue's path; for unknown keys, the offending key itself. */
function locate(root: YamlNode | null, issue: z.core.$ZodIssue, lc: LineCounter): { line?: number; field: string } {
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
