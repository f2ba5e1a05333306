/**
 * Every engine, in one list; `--engine NAME` picks one. The docker engine joins here.
 */
import { AtpNetlabError } from '../errors.js';
import type { Engine } from './engine.js';
import { dockerEngine } from './docker/docker-engine.js';
import { inprocEngine } from './inproc/inproc-engine.js';

export const ENGINES: readonly Engine[] = [inprocEngine, dockerEngine];
export const DEFAULT_ENGINE = 'inproc';

export function engineByName(name: string): Engine {
  const e = ENGINES.find((x) => x.name === name);
  if (!e) throw new AtpNetlabError('ATPNL_USAGE', `unknown engine "${name}" (known: ${ENGINES.map((x) => x.name).join(', ')})`);
  return e;
}

export type { Engine, StartedEngineLab, ReachableEndpoint } from './engine.js';
