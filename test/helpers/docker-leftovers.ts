/** Containers and networks carrying the atp-netlab label: what a stopped lab must not leave. */
import { docker, LAB_LABEL } from '../../src/engines/docker/docker-cli.js';

export async function dockerLeftovers(): Promise<string[]> {
  const c = await docker(['ps', '-aq', '--filter', `label=${LAB_LABEL}`]);
  const n = await docker(['network', 'ls', '-q', '--filter', `label=${LAB_LABEL}`]);
  return [...c.split('\n'), ...n.split('\n')].filter(Boolean);
}
