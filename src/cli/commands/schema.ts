/**
 * `atp-netlab schema`: the JSON Schema of scenario files, generated from the zod definition.
 */
import { scenarioJsonSchema } from '../../scenario/schema.js';
import type { RegisterCommand } from './index.js';

export const registerSchema: RegisterCommand = (program) => {
  program
    .command('schema')
    .description('print the JSON Schema of scenario files (committed as scenarios/schema.json for editors)')
    .addHelpText('after', '\nExamples:\n  atp-netlab schema > scenarios/schema.json   # what `npm run schema` does after a schema change\n  atp-netlab schema | head -20')
    .action(() => {
      process.stdout.write(JSON.stringify(scenarioJsonSchema(), null, 2) + '\n');
    });
};
