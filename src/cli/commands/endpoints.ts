/**
 * `atp-netlab endpoints`: the allowlist a firewall or proxy team needs, in their format.
 */
import { Option } from 'commander';
import {
  ALLOWLIST_FORMATS,
  MDE_CONNECTIVITY,
  MDE_GEOS,
  SENSOR_GENERATION_IDS,
  isMdeGeo,
  mdeEndpoints,
  parseRegion,
  renderAllowlist,
  requiredEndpoints,
  type AllowlistFormat,
  type Edition,
  type MdeConnectivity,
  type SensorGenerationId,
} from '../../catalog/index.js';
import { AtpNetlabError } from '../../errors.js';
import type { RegisterCommand } from './index.js';

const EDITIONS: Edition[] = ['seed-2018', 'table-2020', 'workspace'];

export const registerEndpoints: RegisterCommand = (program) => {
  program
    .command('endpoints')
    .description('print the hosts the sensor must reach for a region and workspace (v2) or through Defender for Endpoint (v3)')
    .addOption(new Option('--sensor <generation>', 'sensor generation: v2 and v2-wininet reach the workspace, v3 the MDE URL set').choices([...SENSOR_GENERATION_IDS]).default('v2'))
    .addOption(new Option('--mde <connectivity>', 'with --sensor v3: MDE streamlined or standard URL set').choices([...MDE_CONNECTIVITY]).default('streamlined'))
    .option('--region <region>', 'us | europe | asia | uk | us-gcc-high')
    .option('--workspace <name>', 'workspace name, e.g. contosoATP')
    .addOption(new Option('--cloud <cloud>', 'workspace cloud').choices(['commercial', 'gcc', 'gcc-high']))
    .addOption(new Option('--format <format>', 'output format').choices([...ALLOWLIST_FORMATS]).default('list'))
    .option('--editions <list>', `comma-separated guidance editions (${EDITIONS.join(', ')})`, 'seed-2018,table-2020,workspace')
    .option('--revocation', 'include certificate revocation hosts (port 80)')
    .option('--proxy <host:port>', 'proxy to name in --format pac')
    .addHelpText('after', '\nExamples:\n  atp-netlab endpoints --region europe --workspace contosoATP\n  atp-netlab endpoints --workspace contosoATP --format squid --revocation\n  atp-netlab endpoints --sensor v3\n  atp-netlab endpoints --sensor v3 --mde standard --region europe --format csv')
    .action((opts: { sensor: SensorGenerationId; mde: MdeConnectivity; region?: string; workspace?: string; cloud?: 'commercial' | 'gcc' | 'gcc-high'; format: AllowlistFormat; editions: string; revocation?: boolean; proxy?: string }) => {
      if (opts.sensor === 'v3') {
        // v3 reaches MDE's services, not the workspace host: the CRL hosts are part of both MDE sets.
        if (opts.workspace) throw new AtpNetlabError('ATPNL_USAGE', '--workspace does not apply to --sensor v3 (it uses the Defender for Endpoint URL set)', { field: '--workspace' });
        if (opts.cloud && opts.cloud !== 'commercial') throw new AtpNetlabError('ATPNL_USAGE', `--cloud ${opts.cloud} is not modelled for --sensor v3 (only the commercial MDE URL sets are)`, { field: '--cloud' });
        let geo: (typeof MDE_GEOS)[number] | undefined;
        if (opts.region) {
          const r = parseRegion(opts.region);
          if (!isMdeGeo(r)) throw new AtpNetlabError('ATPNL_USAGE', `region "${opts.region}" is not one of the MDE geographies modelled (${MDE_GEOS.join(', ')})`, { field: '--region' });
          geo = r;
        }
        process.stdout.write(renderAllowlist(mdeEndpoints(opts.mde, geo), opts.format, opts.proxy ? { proxy: opts.proxy } : {}));
        return;
      }
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
