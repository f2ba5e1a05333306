/**
 * Entry point of the docker engine's Windows host container: the `atp-netlab probe` command kept loaded.
 * Each stdin line is a probe command line (JSON array of its arguments); it is parsed by the
 * very `probe` command registration of the CLI and run by its probeCommand, and the answer
 * line is {id, code, stdout}: what `atp-netlab probe --json ARGS` prints and exits with,
 * without paying Node's start and the CLI's module loading (seconds on a loaded machine) per
 * identity. `atp-netlab probe` itself runs the same in the container (docker exec).
 */
import readline from 'node:readline';
import { Command } from 'commander';
import { exitCodeFor, isAtpNetlabError } from '../errors.js';
import { probeCommand, registerProbe, type ProbeCommandOptions } from './commands/probe.js';
import { HOST_READY_LINE } from '../engines/docker/component-spec.js';


async function answer(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command().exitOverride();
  registerProbe(program, () => undefined);
  const probe = program.commands.find((c) => c.name() === 'probe')!.exitOverride();
  let result: { code: number; stdout: string; stderr: string } = { code: 3, stdout: '', stderr: 'no answer' };
  probe.action(async (o: ProbeCommandOptions) => {
    const out = await probeCommand(o);
    result = { code: out.exitCode, stdout: out.stdout, stderr: '' };
  });
  try {
    await program.parseAsync(['probe', ...args], { from: 'user' });
  } catch (e) {
    result = { code: isAtpNetlabError(e) && e.code !== 'ATPNL_INTERNAL' ? exitCodeFor(e) : 3, stdout: '', stderr: isAtpNetlabError(e) ? e.describe() : String(e) };
  }
  return result;
}

function main(): void {
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const req = JSON.parse(line) as { id: number; args: string[] };
    void answer(req.args).then((r) => process.stdout.write(JSON.stringify({ id: req.id, ...r }) + '\n'));
  });
  lines.on('close', () => process.exit(0));
  process.stdout.write(`${HOST_READY_LINE}\n`);
}

main();
