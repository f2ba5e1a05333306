/** The README says every command's --help has examples: each command and group, loaded for real. */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { loadAllCommands } from '../../src/cli/commands/index.js';

const all = async (): Promise<Command[]> => {
  const program = new Command().name('atp-netlab');
  for (const register of await loadAllCommands()) register(program, () => undefined);
  const walk = (c: Command): Command[] => [c, ...c.commands.flatMap(walk)];
  return program.commands.flatMap(walk);
};

describe('--help examples', () => {
  it('every command and command group shows an example of atp-netlab in its help', async () => {
    const missing: string[] = [];
    for (const c of await all()) {
      let text = '';
      c.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
      c.outputHelp();
      const examples = text.split(/\nExamples?:\n/)[1];
      if (!examples || !/^ +.*atp-netlab /m.test(examples)) missing.push(c.name());
    }
    expect(missing).toEqual([]);
  });
});
