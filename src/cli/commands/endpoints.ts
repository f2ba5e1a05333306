/**
 * `atp-netlab endpoints`: the allowlist a firewall or proxy team needs, in their format.
 */
import { Option } from 'commander';
import { ALLOWLIST_FORMATS, parseRegion, renderAllowlist, requiredEndpoints, type AllowlistFormat, type Edition } from '../../catalog/index.js';
import { AtpNetlabError } from '../../errors.js';
import type { RegisterCommand } from './index.js';

const EDITIONS: Edition[] = ['seed-2018', 'table-2020', 'workspace'];

export const registerEndpoints: RegisterCommand = (program) => {
  program
    .command('endpoints')
    .description('print the hosts the sensor must reach (port 443) for a region and workspace')
    .option('--region <region>', 'us | europe | asia | uk | us-gcc-high')
    .option('--workspace <name>', 'workspace name, e.g. contosoATP')
    .addOption(new Option('--cloud <cloud>', 'workspace cloud').choices(['commercial', 'gcc', 'gcc-high']))
    .addOption(new Option('--format <format>', 'output format').choices([...ALLOWLIST_FORMATS]).default('list'))
    .option('--editions <list>', `comma-separated guidance editions (${EDITIONS.join(', ')})`, 'seed-2018,table-2020,workspace')
    .option('--revocation', 'include certificate revocation hosts (port 80)')
    .option('--proxy <host:port>', 'proxy to name in --format pac')
    .addHelpText('after', '\nExamples:\n  atp-netlab endpoints --region europe --workspace contosoATP\n  atp-netlab endpoints --workspace contosoATP --format squid --revocation')
    .action((opts: { region?: string; workspace?: string; cloud?: 'commercial' | 'gcc' | 'gcc-high'; format: AllowlistFormat; editions: string; revocation?: boolean; proxy?: string }) => {
      const editions = opts.editions.split(',').map((e) => e.trim()).filter(Boolean);
      for (const e of editions) if (!EDITIONS.includes(e as Edition)) throw new AtpNetlabError('ATPNL_USAGE', `unknown edition "${e}" (expected ${EDITIONS.join(', ')})`, { field: '--editions' });
      if (!opts.region && !opts.workspace) throw new AtpNetlabError('ATPNL_USAGE', 'give --region, --workspace, or both');
      const endpoints = requiredEndpoints({
        ...(opts.region ? { region: parseRegion(opts.region) } : {}),
        ...(opts.workspace ? { workspace: opts.workspace } : {}),
        ...(opts.cloud ? { cloud: opts.cloud } : {}),
        editions: editions as Edition[],
        includeRevocation: !!opts.revocation,
      });
      process.stdout.write(renderAllowlist(endpoints, opts.format, opts.proxy ? { proxy: opts.proxy } : {}));
    });
};
