/**
 * Commander's parser for whole-number options (`--concurrency`, `--timeout-ms`), in a module
 * of its own: `probe` needs it, and importing it from run.ts loaded the whole `run` command
 * (engines, reports) into the docker host's probe worker, a quarter of a second of its start.
 */
import { AtpNetlabError } from '../../errors.js';

export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new AtpNetlabError('ATPNL_USAGE', `expected a positive whole number, got "${v}"`);
  return n;
}
