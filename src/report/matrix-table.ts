/**
 * The proxy-method matrix as text: rows endpoint × identity, one column per method, each cell
 * `yes CODE`, `NO step/CODE` or `-` (not configured). Shared by `probe --matrix` and by the
 * console report of scenarios whose expectations name a `method:`.
 */
import { MATRIX_METHODS } from '../probe/matrix-methods.js';
import { padEnd as pad } from './terminal-text.js';
export interface MatrixTextCell {
  method: string;
  configured: boolean;
  reachable: boolean;
  step: string;
  code: string;
}

export function matrixCellText(c: MatrixTextCell): string {
  if (!c.configured) return '-';
  return c.reachable ? `yes ${c.code}` : `NO ${c.step}/${c.code}`;
}

export function renderMatrixRows(rows: { host: string; identity: string; cells: MatrixTextCell[] }[], methods: readonly string[]): string[] {
  const head = ['host', 'identity', ...methods];
  const body = rows.map((r) => [
    r.host,
    r.identity,
    ...methods.map((m) => {
      const c = r.cells.find((x) => x.method === m);
      return c ? matrixCellText(c) : '';
    }),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cols: string[]) => cols.map((c, i) => pad(c, widths[i]!)).join('  ').trimEnd();
  return [line(head), ...body.map(line)];
}

/** The matrix of a scenario's checks that name a method, columns in MATRIX_METHODS order; undefined when none do. */
export function scenarioMatrix(checks: readonly { identity: string; host: string; method?: string; observed: { reachable: boolean; step: string; code: string } }[]): string[] | undefined {
  const withMethod = checks.filter((c) => c.method !== undefined);
  if (withMethod.length === 0) return undefined;
  const named = new Set(withMethod.map((c) => c.method!));
  const methods = MATRIX_METHODS.filter((m) => named.has(m));
  const rows = new Map<string, { host: string; identity: string; cells: MatrixTextCell[] }>();
  for (const c of withMethod) {
    const key = `${c.host}|${c.identity}`;
    const row = rows.get(key) ?? { host: c.host, identity: c.identity, cells: [] };
    rows.set(key, row);
    row.cells.push({ method: c.method!, configured: c.observed.code !== 'ROUTE_NOT_CONFIGURED', reachable: c.observed.reachable, step: c.observed.step, code: c.observed.code });
  }
  return renderMatrixRows([...rows.values()], methods);
}
