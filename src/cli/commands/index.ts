import { Help, type Command } from 'commander';

/** A command module adds its subcommand; `setExit` raises the process's exit code (max wins). */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

/**
 * Every top-level command, in help order, with what the top-level `--help` shows of it and how
 * to load it. Loading is lazy: a command's modules (the lab, TLS, PKI, zod schemas, undici ...)
 * are imported only when that command is the one run, so `--help` and `--version` start as fast
 * as commander itself. The `usage` and `summary` here are checked against the loaded commands'
 * own by test/cli/lazy-commands.test.ts, so they cannot drift.
 */
export interface CommandEntry {
  name: string;
  /** arguments as commander prints them after the name, e.g. '[paths...]' */
  usage: string;
  summary: string;
  load: () => Promise<RegisterCommand>;
}

export const COMMAND_ENTRIES: readonly CommandEntry[] = [
  { name: 'run', usage: '[options] [paths...]', summary: 'run scenarios (files or folders; default ./scenarios, else the bundled ones) in the in-process lab and report per identity and host', load: async () => (await import('./run.js')).registerRun },
  { name: 'endpoints', usage: '[options]', summary: 'print the hosts the sensor must reach for a region and workspace (v2) or through Defender for Endpoint (v3)', load: async () => (await import('./endpoints.js')).registerEndpoints },
  { name: 'decode', usage: '[options] <input>', summary: 'decode connection-settings values (DefaultConnectionSettings, SavedLegacySettings, WinHttpSettings) from a .reg file or hex', load: async () => (await import('./decode.js')).registerDecode },
  { name: 'encode', usage: '[options]', summary: 'build a DefaultConnectionSettings value (or WinHttpSettings) as hex or as a .reg fragment for an identity\'s hive', load: async () => (await import('./encode.js')).registerEncode },
  { name: 'proxy-copy', usage: '[options]', summary: 'copy the administrator\'s WinINET proxy settings (HKCU export) to LocalService/LocalSystem: plan, .reg/.ps1, or apply with backup and rollback', load: async () => (await import('./proxy-copy.js')).registerProxyCopy },
  { name: 'list', usage: '[options] [paths...]', summary: 'list scenarios with what they model and their expected outcome', load: async () => (await import('./list.js')).registerList },
  { name: 'schema', usage: '', summary: 'print the JSON Schema of scenario files (committed as scenarios/schema.json for editors)', load: async () => (await import('./schema.js')).registerSchema },
  { name: 'probe', usage: '[options]', summary: 'check this host\'s real connectivity to the sensorapi endpoints, as one identity, with the lab\'s probe code', load: async () => (await import('./probe.js')).registerProbe },
  {
    name: 'lab',
    usage: '',
    summary: 'work with a scenario\'s lab outside a run',
    load: async () => {
      // `lab up`, `lab fault`, `lab prune` and `lab export` all hang under `lab`
      const [up, fault, images, exporter] = await Promise.all([import('./lab-up.js'), import('./lab-fault.js'), import('./images.js'), import('./lab-export.js')]);
      return (program, setExit) => {
        up.registerLabUp(program, setExit);
        fault.registerLabFault(program, setExit);
        images.registerLabPrune(program, setExit);
        exporter.registerLabExport(program, setExit);
      };
    },
  },
  { name: 'scenario', usage: '', summary: 'create and inspect scenario files', load: async () => (await import('./scenario-from-reg.js')).registerScenarioFromReg },
  { name: 'triage', usage: '[options] <files...>', summary: 'find known failure signatures in sensor, deployer, updater and installer logs', load: async () => (await import('./triage.js')).registerTriage },
  { name: 'plan', usage: '[options] <file>', summary: 'print the lab plan a scenario compiles into (what an engine runs)', load: async () => (await import('./plan.js')).registerPlan },
  { name: 'load', usage: '[options]', summary: 'a fleet of simulated sensors through a scenario\'s lab: what the proxy design carries', load: async () => (await import('./load.js')).registerLoad },
  { name: 'images', usage: '', summary: 'the docker engine\'s images (built offline from this machine\'s files)', load: async () => (await import('./images.js')).registerImages },
];

/** Every command fully loaded (tests, the docs check): the eager form of COMMAND_ENTRIES. */
export async function loadAllCommands(): Promise<RegisterCommand[]> {
  return Promise.all(COMMAND_ENTRIES.map((e) => e.load()));
}

/**
 * Only the command being run is loaded (its modules are most of the start-up time); every other
 * command is a stub carrying its name, usage and summary for the top-level help. `help CMD`
 * loads CMD so its own help is complete.
 */
export async function registerCommands(program: Command, args: readonly string[], setExit: (code: number) => void): Promise<void> {
  const words = args.filter((a) => !a.startsWith('-'));
  const wanted = words[0] === 'help' ? words[1] : words[0];
  const stubs = new Map<Command, CommandEntry>();
  for (const entry of COMMAND_ENTRIES) {
    if (entry.name === wanted) (await entry.load())(program, setExit);
    else stubs.set(program.command(entry.name).description(entry.summary), entry);
  }
  program.configureHelp({
    subcommandTerm: (c) => {
      const stub = stubs.get(c);
      return stub ? `${stub.name} ${stub.usage}`.trim() : new Help().subcommandTerm(c);
    },
  });
}
