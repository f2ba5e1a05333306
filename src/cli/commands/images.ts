/**
 * `atp-netlab images build|list` (the docker engine's images, docker/) and `atp-netlab lab prune`
 * (containers and networks a killed docker run left). Each checks the daemon first: one line
 * saying what to do, exit 2.
 */
import { AtpNetlabError } from '../../errors.js';
import { dockerPrerequisites, pruneLabObjects } from '../../engines/docker/docker-cli.js';
import { ensureLabImage, listLabImages } from '../../engines/docker/lab-image.js';
import { listImages } from '../../engines/docker/offline-image.js';
import { ensureMitmproxyImage, mitmproxyImageUnavailable, MITMPROXY_IMAGE_REPO } from '../../engines/docker/mitmproxy-image.js';
import { ensureSquidImage, squidImageUnavailable, SQUID_IMAGE_REPO } from '../../engines/docker/squid-image.js';

/** The images of real programs (Squid, mitmproxy), each built from this machine's own install. */
const PROGRAM_IMAGES = [
  { repo: SQUID_IMAGE_REPO, unavailable: squidImageUnavailable, ensure: ensureSquidImage },
  { repo: MITMPROXY_IMAGE_REPO, unavailable: mitmproxyImageUnavailable, ensure: ensureMitmproxyImage },
];
import type { RegisterCommand } from './index.js';

async function requireDocker(): Promise<void> {
  const missing = await dockerPrerequisites();
  if (missing.length) throw new AtpNetlabError('ATPNL_USAGE', missing.join('; '));
}

export const registerImages: RegisterCommand = (program) => {
  const images = program
    .command('images')
    .description("the docker engine's images (built offline from this machine's files)")
    .addHelpText('after', '\nExamples:\n  atp-netlab images build   # FROM scratch: this Node, dnsmasq, dist/; Debian squid-openssl and mitmproxy (cached by content hash)\n  atp-netlab images list\n\nExit codes: 0 done, 2 no usable Docker daemon (the line says what to do).');
  images
    .command('build')
    .description('build the lab image, and the Squid and mitmproxy images where those are installed, unless their content-hash tags exist (progress on stderr)')
    .addHelpText('after', '\nExamples:\n  atp-netlab images build\n  atp-netlab images build && atp-netlab run scenarios/direct-blocked.yaml --engine docker')
    .action(async () => {
      await requireDocker();
      const progress = (line: string) => process.stderr.write(line + '\n');
      const r = await ensureLabImage(progress);
      process.stdout.write(`${r.tag}${r.built ? '' : ' (cached)'}\n`);
      // The program images only where the program is installed; their components are skipped elsewhere.
      for (const img of PROGRAM_IMAGES) {
        const why = img.unavailable();
        if (why) progress(`images: skipped ${img.repo}: ${why}`);
        else {
          const q = await img.ensure(progress);
          process.stdout.write(`${q.tag}${q.built ? '' : ' (cached)'}\n`);
        }
      }
    });
  images
    .command('list')
    .description('the lab, Squid and mitmproxy images on the Docker daemon')
    .addHelpText('after', '\nExamples:\n  atp-netlab images list')
    .action(async () => {
      await requireDocker();
      const list = [...(await listLabImages())];
      for (const img of PROGRAM_IMAGES) list.push(...(await listImages(img.repo)));
      process.stdout.write(list.length ? list.map((i) => `${i.tag}  ${i.size}  ${i.created}`).join('\n') + '\n' : 'no lab images (atp-netlab images build)\n');
    });
};

export const registerLabPrune: RegisterCommand = (program) => {
  const lab = program.commands.find((c) => c.name() === 'lab') ?? program.command('lab').description("work with a scenario's lab outside a run");
  lab
    .command('prune')
    .description('remove the containers and networks (label atp-netlab) that a killed docker run left; running labs and images stay')
    .option('--all', 'also remove labs whose owner still runs, and Compose labs started by hand (label atp-netlab, no owner)')
    .addHelpText('after', '\nA lab records its owner (label atp-netlab.pid, and the machine and boot); without --all only\nlabs whose owner is gone are removed, so a prune never pulls a running lab from another run.\n\nExamples:\n  atp-netlab lab prune         # after a kill -9 of a docker run or lab up\n  atp-netlab lab prune --all   # every atp-netlab container and network, running or not')
    .action(async (opts: { all?: boolean }) => {
      await requireDocker();
      const r = await pruneLabObjects(undefined, { all: !!opts.all });
      process.stdout.write(`removed ${r.containers.length} container(s) and ${r.networks.length} network(s)\n`);
      const k = r.kept;
      if (k.containers + k.networks > 0) {
        const who = [k.pids.length ? `of running labs (pid ${k.pids.join(', ')})` : '', k.unowned ? `${k.unowned} with no owner (a Compose lab run by hand?)` : ''].filter(Boolean).join('; ');
        process.stdout.write(`kept ${k.containers} container(s) and ${k.networks} network(s): ${who}; --all removes them too\n`);
      }
    });
};
