/**
 * Containers and networks carrying the atp-netlab label: what a stopped lab must not leave.
 * Scoped, because other processes on the same daemon may run labs of their own meanwhile:
 * `runs` keeps only those lab runs, `pid` only labs owned by that process (label atp-netlab.pid).
 */
import { docker, LAB_LABEL } from '../../src/engines/docker/docker-cli.js';

export async function dockerLeftovers(scope: { runs?: ReadonlySet<string>; pid?: number } = {}): Promise<string[]> {
  const filter = scope.pid !== undefined ? `label=${LAB_LABEL}.pid=${scope.pid}` : `label=${LAB_LABEL}`;
  const format = `{{.ID}} {{.Label "${LAB_LABEL}.run"}}`;
  const c = await docker(['ps', '-a', '--filter', filter, '--format', format]);
  const n = await docker(['network', 'ls', '--filter', filter, '--format', format]);
  return [...c.split('\n'), ...n.split('\n')]
    .filter(Boolean)
    .map((l) => l.split(' '))
    .filter(([, run]) => !scope.runs || scope.runs.has(run ?? ''))
    .map(([id]) => id!);
}
