/**
 * Containers and networks carrying the atp-netlab label: what a stopped lab must not leave.
 * With `runs`, only those of these lab runs (other processes on the machine may run labs of
 * their own at the same time).
 */
import { docker, LAB_LABEL } from '../../src/engines/docker/docker-cli.js';

export async function dockerLeftovers(runs?: ReadonlySet<string>): Promise<string[]> {
  const format = `{{.ID}} {{.Label "${LAB_LABEL}.run"}}`;
  const c = await docker(['ps', '-a', '--filter', `label=${LAB_LABEL}`, '--format', format]);
  const n = await docker(['network', 'ls', '--filter', `label=${LAB_LABEL}`, '--format', format]);
  return [...c.split('\n'), ...n.split('\n')]
    .filter(Boolean)
    .map((l) => l.split(' '))
    .filter(([, run]) => !runs || runs.has(run ?? ''))
    .map(([id]) => id!);
}
