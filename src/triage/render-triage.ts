/**
 * Text form of a triage report: one block per finding (log line with file:line, cause, codes,
 * remediation with its source, how to reproduce), then the unknown errors grouped.
 */
import { citeSourceRef } from '../catalog/sources.js';
import type { TriageReport } from './triage.js';

export function renderTriageText(r: TriageReport, opts: { maxOccurrences?: number } = {}): string {
  const max = opts.maxOccurrences ?? 5;
  const out: string[] = [];
  const s = r.summary;
  out.push(`triage: ${s.files} file(s), ${s.lines} line(s); ${s.findings} known signature(s) in ${s.occurrences} record(s); ${s.unknownRecords} unknown error/warning record(s)`);
  for (const f of r.files) {
    const flags = [f.kind, f.encoding, f.truncated ? `TRUNCATED: read ${f.bytesRead} of ${f.bytes} bytes` : '', f.longLines ? `${f.longLines} line(s) cut` : ''].filter(Boolean);
    out.push(`  ${f.file}: ${f.lines} lines (${flags.join(', ')})`);
  }
  for (const f of r.findings) {
    out.push('', `FINDING ${f.signature}: ${f.title} (${f.count}×)`);
    for (const o of f.occurrences.slice(0, max)) {
      out.push(`  ${o.file}:${o.line}: ${o.text}`);
      if (o.note) out.push(`    note: ${o.note}`);
    }
    if (f.count > Math.min(max, f.occurrences.length)) out.push(`  … ${f.count - Math.min(max, f.occurrences.length)} more`);
    out.push(`  cause:       ${f.cause}`);
    out.push(`  code:        ${f.codes.map((c) => `${c.code}${c.kind === 'host' ? ' (host prerequisite)' : ''}`).join(', ')}`);
    out.push(`  remediation: ${f.remediation}`);
    out.push(`  source:      ${citeSourceRef(f.source)}`);
    out.push('reproduce' in f && 'scenario' in f.reproduce ? `  reproduce:   atp-netlab run scenarios/${f.reproduce.scenario}` : `  reproduce:   no scenario yet: ${(f.reproduce as { gap: string }).gap}`);
  }
  if (r.unknown.groups.length) {
    out.push('', `UNKNOWN errors and warnings (${r.unknown.records} record(s) in ${r.unknown.groups.length + r.unknown.groupsOmitted} pattern(s)):`);
    for (const g of r.unknown.groups) out.push(`  ${String(g.count).padStart(5)}× ${g.pattern}`, `         first at ${g.first.file}:${g.first.line}`);
    if (r.unknown.groupsOmitted) out.push(`  … ${r.unknown.groupsOmitted} more pattern(s) (see --json)`);
  }
  if (r.findings.length === 0) out.push('', 'no known signature found');
  return out.join('\n') + '\n';
}
