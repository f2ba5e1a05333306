import type { Command } from 'commander';
import { registerDecode } from './decode.js';
import { registerEncode } from './encode.js';
import { registerProxyCopy } from './proxy-copy.js';

/** A command module adds its subcommand; `setExit` raises the process's exit code (max wins). */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

export const COMMANDS: RegisterCommand[] = [registerDecode, registerEncode, registerProxyCopy];
