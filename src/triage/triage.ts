/**
 * `triage`: known signatures and a summary of the unknown errors in sensor, deployer, updater
 * and installer logs. Pure over the records read by read-log.ts; nothing here touches the
 * network or the host.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SOURCES, type SourceRef } from '../catalog/sources.js';
import { AtpNetlabError } from '../errors.js';
import { HOST_PREREQUISITE_CODES } from '../probe/host/host-prerequisite-codes.js';
import { PROBE_CODES } from '../probe/outcome.js';
import { STDIN } from '../input/read-input.js';
import { readLog, readLogStream, type LogKind, type ReadLimits, type ReadLog } from './read-log.js';
import { SIGNATURES, type CodeRef, type Signature } from './signatures.js';

export const TRIAGE_SCHEMA = 1;
/** Occurrences kept per finding and unknown groups kept in the report; counts stay exact. */
export const MAX_OCCURRENCES = 20;
export const MAX_UNKNOWN_GROUPS = 50;
export const MAX_FILES = 200;

export interface Occurrence {
  file: string;
  line: number;
  text: string;
  note?: string;
}

export interface Finding {
  signature: string;
  title: string;
  cause: string;
  codes: (CodeRef & { meaning: string })[];
  remediation: string;
  source: SourceRef & { section: string };
  reproduce: { scenario: string } | { gap: string };
  count: number;
  occurrences: Occurrence[];
}

export interface UnknownGroup {
  pattern: string;
  count: number;
  first: Occurrence;
}

export interface TriageReport {
  tool: 'atp-netlab';
  kind: 'triage';
  schema: typeof TRIAGE_SCHEMA;
  files: Omit<ReadLog, 'records'>[];
  findings: Finding[];
  unknown: { records: number; groups: UnknownGroup[]; groupsOmitted: number };
  summary: { files: number; lines: number; findings: number; occurrences: number; unknownRecords: number; truncatedFiles: number };
}

/** Files, and directories expanded to the log files directly inside them (sorted, bounded). */
export async function expandInputs(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    if (input === STDIN) {
      if (out.includes(STDIN)) throw new AtpNetlabError('ATPNL_USAGE', '- (stdin) is named twice: only one log can come from stdin');
      out.push(STDIN);
      continue;
    }
    let st;
    try {
      st = await stat(input);
    } catch (e) {
      throw new AtpNetlabError('ATPNL_FILE_NOT_FOUND', `cannot read: ${(e as Error).message}`, { file: input });
    }
    if (st.isDirectory()) {
      const names = (await readdir(input)).filter((n) => /\.(log|txt)$/i.test(n)).sort();
      if (names.length === 0) throw new AtpNetlabError('ATPNL_TRIAGE_INPUT', 'directory holds no .log or .txt files', { file: input });
      out.push(...names.map((n) => path.join(input, n)));
    } else out.push(input);
    if (out.length > MAX_FILES) throw new AtpNetlabError('ATPNL_TRIAGE_INPUT', `more than ${MAX_FILES} log files; give fewer`, { file: input });
  }
  return out;
}

export async function triageFiles(inputs: string[], limits: ReadLimits = {}): Promise<TriageReport> {
  const logs: ReadLog[] = [];
  // `-` is a log piped in (e.g. `Get-Content … | atp-netlab triage -`), reported as (stdin).
  for (const f of await expandInputs(inputs)) logs.push(f === STDIN ? await readLogStream(process.stdin, '(stdin)', limits) : await readLog(f, limits));
  return triageLogs(logs);
}

export function triageLogs(logs: ReadLog[]): TriageReport {
  const findings = new Map<string, Finding>();
  const unknown = new Map<string, UnknownGroup>();
  let unknownRecords = 0;
  for (const log of logs) {
    for (const rec of log.records) {
      const matched = SIGNATURES.filter((s) => s.pattern.test(rec.text));
      for (const sig of matched) {
        const f = findings.get(sig.id) ?? newFinding(sig);
        findings.set(sig.id, f);
        f.count++;
        if (f.occurrences.length < MAX_OCCURRENCES) {
          const note = sig.refine?.(rec.text);
          f.occurrences.push({ file: log.file, line: rec.line, text: rec.firstLine, ...(note ? { note } : {}) });
        }
      }
      if (matched.length === 0 && rec.level !== 'other') {
        unknownRecords++;
        const pattern = normalise(rec.firstLine);
        const g = unknown.get(pattern);
        if (g) g.count++;
        else unknown.set(pattern, { pattern, count: 1, first: { file: log.file, line: rec.line, text: rec.firstLine } });
      }
    }
  }
  const groups = [...unknown.values()].sort((a, b) => b.count - a.count || a.pattern.localeCompare(b.pattern));
  const ordered = SIGNATURES.map((s) => findings.get(s.id)).filter((f): f is Finding => f !== undefined);
  return {
    tool: 'atp-netlab',
    kind: 'triage',
    schema: TRIAGE_SCHEMA,
    files: logs.map(({ records: _records, ...rest }) => rest),
    findings: ordered,
    unknown: { records: unknownRecords, groups: groups.slice(0, MAX_UNKNOWN_GROUPS), groupsOmitted: Math.max(0, groups.length - MAX_UNKNOWN_GROUPS) },
    summary: {
      files: logs.length,
      lines: logs.reduce((n, l) => n + l.lines, 0),
      findings: ordered.length,
      occurrences: ordered.reduce((n, f) => n + f.count, 0),
      unknownRecords,
      truncatedFiles: logs.filter((l) => l.truncated).length,
    },
  };
}

function newFinding(sig: Signature): Finding {
  return {
    signature: sig.id,
    title: sig.title,
    cause: sig.cause,
    codes: sig.codes.map((c) => ({ ...c, meaning: c.kind === 'probe' ? PROBE_CODES[c.code].meaning : HOST_PREREQUISITE_CODES[c.code].meaning })),
    remediation: sig.remediation,
    source: { ...SOURCES[sig.source], section: sig.section },
    reproduce: sig.reproduce,
    count: 0,
    occurrences: [],
  };
}

/**
 * The same error at another time, thread, host or id collapses to one pattern: timestamps,
 * Burn/MSI prefixes, GUIDs, hex, bracketed argument lists' values and numbers are replaced.
 */
export function normalise(line: string): string {
  return line
    .replace(/^\[[0-9A-F]{1,8}:[0-9A-F]{1,8}\]\[[^\]]*\]/i, '')
    .replace(/^\d{4}-\d{2}-\d{2}[ T][\d:.]+\s*/, '')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<guid>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<hex>')
    .replace(/\b[0-9A-F]{32,}\b/g, '<hex>')
    .replace(/=([^\s\]]+)/g, '=<v>')
    .replace(/\d+/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

export type { LogKind };
