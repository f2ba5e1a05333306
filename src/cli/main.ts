#!/usr/bin/env node
/**
 * atp-netlab command line. The only module that decides the process's exit code:
 * 0 = everything reachable / every expectation met, 1 = some not, 2 = invalid input or usage,
 * 3 = a bug in the tool (ATPNL_INTERNAL or any unexpected exception): one line asking for a
 * report; the stack only with ATPNL_DEBUG=1.
 * 4 = the environment refused (permissions, disk full, read-only file system, missing program).
 */
import { Command, CommanderError } from 'commander';
import { AtpNetlabError, environmentError, exitCodeFor, isAtpNetlabError, isEnvironmentErrno } from '../errors.js';
import { registerCommands } from './commands/index.js';
import { VERSION } from '../version.js';
import { internalErrorLine } from './internal-error.js';
import { removeTrackedTempDirsSync } from '../temp-dirs.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('atp-netlab')
    .description('Connectivity test harness and mock endpoint simulator for the Azure ATP (Defender for Identity) sensor')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');
  let code = 0;
  const setExit = (c: number) => {
    code = Math.max(code, c);
  };
  await registerCommands(program, argv.slice(2), setExit);
  for (const sub of program.commands) sub.exitOverride();
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version are "errors" to commander but successes to the user
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    if (isAtpNetlabError(e) && e.code !== 'ATPNL_INTERNAL') {
      process.stderr.write(`atp-netlab: ${e.describe()}\n`);
      return exitCodeFor(e);
    }
    // An errno the machine raised (EPERM, ENOSPC, ...) that no command wrapped: still one line.
    if (isEnvironmentErrno(e)) {
      const err = environmentError(e, e.syscall ?? 'complete the operation');
      process.stderr.write(`atp-netlab: ${err.describe()}\n`);
      return exitCodeFor(err);
    }
    process.stderr.write(internalErrorLine(e, process.env));
    return 3;
  }
}

export function usageError(message: string): AtpNetlabError {
  return new AtpNetlabError('ATPNL_USAGE', message);
}

/**
 * SIGINT/SIGTERM: a command that handles the signal itself (lab up stops its lab) has its own
 * listener; otherwise leave at once, but without the run's temporary folders (Node's default
 * signal death skips 'exit' handlers). Exit status as a shell reports a signal: 128 + number.
 */
for (const [sig, num] of [['SIGINT', 2], ['SIGTERM', 15]] as const) {
  process.on(sig, () => {
    if (process.listenerCount(sig) > 1) return;
    removeTrackedTempDirsSync();
    process.stderr.write(`atp-netlab: ${sig}: stopped; temporary folders removed\n`);
    process.exit(128 + num);
  });
}

// `atp-netlab ... | head`: the reader left; stop quietly as other Unix tools do, not with a stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const code = await main(process.argv);
// Let pending writes to stdout finish before leaving; lab sockets are already closed here.
process.exitCode = code;
