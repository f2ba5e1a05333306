import type { Command } from 'commander';
import { registerDecode } from './decode.js';
import { registerEncode } from './encode.js';
import { registerProxyCopy } from './proxy-copy.js';
import { registerRun } from './run.js';
import { registerEndpoints } from './endpoints.js';
import { registerSchema } from './schema.js';
import { registerList } from './list.js';
import { registerProbe } from './probe.js';
import { registerLabUp } from './lab-up.js';
import { registerScenarioFromReg } from './scenario-from-reg.js';
import { registerPlan } from './plan.js';
import { registerTriage } from './triage.js';
import { registerImages, registerLabPrune } from './images.js';
import { registerLoad } from './load.js';

/** A command module adds its subcommand; `setExit` raises the process's exit code (max wins). */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

export const COMMANDS: RegisterCommand[] = [registerRun, registerEndpoints, registerDecode, registerEncode, registerProxyCopy, registerList, registerSchema, registerProbe, registerLabUp, registerScenarioFromReg, registerTriage, registerPlan, registerLoad, registerImages, registerLabPrune];
