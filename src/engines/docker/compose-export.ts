/**
 * `atp-netlab lab export --compose`: a scenario's lab as a Compose file, for users who run labs
 * by hand or on another Docker host. The same layout as the docker engine (docker-lab-layout.ts):
 *
 *   networks.lab        internal: true (no route off the machine), explicit subnet <prefix>.0/24, gateway .254
 *   services.dns        dnsmasq at .253: the plan's names, NXDOMAIN for every other name
 *   services.c<n>-NAME  one per component at its slot's address: the lab image's component-main
 *                       (squid, mitmproxy: their own images, each folder mounted at the same path)
 *   services.windows-host  .1: probe-worker kept running (stdin open); the probe per identity is
 *                       `docker compose exec windows-host …` (x-atp-netlab.probe)
 *   no `ports:` at all: nothing is published, not even on 127.0.0.1
 *
 * What Compose cannot say is written beside it and named in x-atp-netlab: the host's egress
 * firewall and transparent diversion are iptables rules loaded into the host container's
 * namespace from outside (the engine does it with nsenter; host-firewall.rules + the command).
 * The support files (specs, hosts, the host's hive/trust/certificates with keys 0600, Squid
 * folders) go to one folder; the PKI folder is mounted, not copied.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { AtpNetlabError } from '../../errors.js';
import type { LabPlan } from '../../lab/lab-plan.js';
import type { SquidDefinition } from '../../lab/kinds/squid-kind.js';
import { prepareSquid } from '../../lab/squid.js';
import type { MitmproxyDefinition } from '../../lab/kinds/mitmproxy-kind.js';
import { prepareMitmproxy } from '../../lab/mitmproxy.js';
import type { LabPki } from '../../pki/index.js';
import { shellQuote } from '../../shell-quote.js';
import { PKI_MOUNT, SPEC_PATH } from './component-spec.js';
import { LAB_LABEL } from './docker-cli.js';
import { addressDiversions, componentSpecs, DNS_SLOT, dnsmasqArgs, DNSMASQ_PATH, GATEWAY_SLOT, HOST_MOUNT, hostProbeArgs, hostsFileText, labDnsTable, namesByAddress, writeHostFiles, componentAddress } from './docker-lab-layout.js';
import { HOST_SLOT } from '../../lab/lab-plan.js';
import { iptablesRules } from './host-firewall.js';
import { IMAGE_APP_DIR } from './lab-image.js';
import { SQUID_USER } from './squid-image.js';

export interface ComposeExportOptions {
  plan: LabPlan;
  pki: LabPki;
  scenarioName: string;
  /** The Compose project (and network) name; default atpnl-<scenario>. Two copies of one lab on a daemon need two. */
  project?: string;
  /** Absolute folder for the support files (created). */
  dir: string;
  /** The lab network's /24 as its first three octets: `10.213.7`. */
  subnetPrefix: string;
  labImage: string;
  /** Needed when the plan has `squid` components. */
  squidImage?: string;
  /** Needed when the plan has `mitmproxy` components. */
  mitmproxyImage?: string;
}

export interface ComposeExport {
  /** The Compose document (an object, as YAML parses it back). */
  compose: Record<string, unknown>;
  yaml: string;
}

const SUBNET_PREFIX = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** `10.213.7.0/24` → `10.213.7`; anything but a private /24 is a usage error naming the value. */
export function parseSubnet(text: string): string {
  const m = /^(\d{1,3}\.\d{1,3}\.\d{1,3})\.0\/24$/.exec(text.trim());
  const octets = m?.[1]?.split('.').map(Number) ?? [];
  const privateRange = octets[0] === 10 || (octets[0] === 172 && octets[1]! >= 16 && octets[1]! <= 31) || (octets[0] === 192 && octets[1] === 168);
  if (!m || !SUBNET_PREFIX.test(m[1]!) || octets.some((o) => o > 255) || !privateRange) {
    throw new AtpNetlabError('ATPNL_USAGE', `--subnet: "${text}" is not a private IPv4 /24 written as A.B.C.0/24 (e.g. 10.213.7.0/24)`);
  }
  return m[1]!;
}

/** A stable /24 of 10.213.0.0/16 per scenario name (the engine picks one at random per run). */
export function defaultSubnetPrefix(scenarioName: string): string {
  let h = 0;
  for (const ch of scenarioName) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `10.213.${h % 256}`;
}

/** Compose's own rule for a project name: lowercase letters, digits, dashes and underscores, starting with a letter or digit. */
export const COMPOSE_PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-._]+|[-._]+$/g, '') || 'x';
}

function bind(source: string, target: string, readOnly = true): Record<string, unknown> {
  return { type: 'bind', source, target, read_only: readOnly };
}

/** Why this plan cannot be exported (what the docker engine cannot run, or faults: no relay in Compose), or undefined. */
export function composeUnsupported(plan: LabPlan, engineUnsupported: (plan: LabPlan) => string | undefined): string | undefined {
  if (plan.faults?.length) return 'the Compose export has no fault relay: a scenario with faults: runs under --engine inproc or docker only';
  return engineUnsupported(plan);
}

export async function exportCompose(o: ComposeExportOptions): Promise<ComposeExport> {
  const { plan, pki, dir, subnetPrefix: prefix } = o;
  const address = (slot: number) => `${prefix}.${slot}`;
  const project = o.project ?? `atpnl-${slug(o.scenarioName)}`;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const labels = (role: string) => ({ [LAB_LABEL]: '1', [`${LAB_LABEL}.run`]: project, [`${LAB_LABEL}.role`]: role });
  const onLab = (slot: number) => ({ lab: { ipv4_address: address(slot) } });
  const dnsAddress = address(DNS_SLOT);
  const dns = labDnsTable(plan, componentAddress(plan, address));

  fs.writeFileSync(path.join(dir, 'hosts'), hostsFileText(dns));
  const services: Record<string, Record<string, unknown>> = {
    dns: { image: o.labImage, entrypoint: [DNSMASQ_PATH], command: dnsmasqArgs(dnsAddress), networks: onLab(DNS_SLOT), volumes: [bind(path.join(dir, 'hosts'), '/lab/hosts')], labels: labels('dns') },
  };
  const componentServices: string[] = [];
  for (const spec of componentSpecs(plan, address)) {
    const c = spec.component;
    const name = `c${c.slot}-${slug(c.name)}`;
    componentServices.push(name);
    if (c.type === 'squid') {
      if (!o.squidImage) throw new AtpNetlabError('ATPNL_INTERNAL', 'compose export: a squid component needs the Squid image');
      const squidDir = path.join(dir, `squid-${c.slot}`);
      fs.mkdirSync(squidDir, { recursive: true, mode: 0o700 });
      const env = { name: c.name, address: spec.address, pki, dnsTable: () => spec.dns, endpointOf: (n: string) => spec.endpoints[n] };
      const prepared = await prepareSquid(c.definition as SquidDefinition, env, squidDir, SQUID_USER);
      services[name] = { image: o.squidImage, command: ['-N', '-f', prepared.confPath], networks: onLab(c.slot), volumes: [bind(squidDir, squidDir, false)], depends_on: ['dns'], labels: labels(`c${c.slot}`) };
      continue;
    }
    if (c.type === 'mitmproxy') {
      if (!o.mitmproxyImage) throw new AtpNetlabError('ATPNL_INTERNAL', 'compose export: a mitmproxy component needs the mitmproxy image');
      const mitmDir = path.join(dir, `mitmproxy-${c.slot}`);
      fs.mkdirSync(mitmDir, { recursive: true, mode: 0o700 });
      const args = await prepareMitmproxy(c.definition as MitmproxyDefinition, { address: spec.address, pki, dnsTable: () => spec.dns }, mitmDir, c.port);
      services[name] = { image: o.mitmproxyImage, command: args, environment: { HOME: mitmDir }, networks: onLab(c.slot), volumes: [bind(mitmDir, mitmDir, false)], labels: labels(`c${c.slot}`) };
      continue;
    }
    const specFile = path.join(dir, `component-${c.slot}.json`);
    // 0600: a middlebox's definition may carry a customer's CA key (inspectionCaPem).
    fs.writeFileSync(specFile, JSON.stringify(spec), { mode: 0o600 });
    services[name] = {
      image: o.labImage,
      command: [`${IMAGE_APP_DIR}/dist/engines/docker/component-main.js`],
      networks: onLab(c.slot),
      volumes: [bind(specFile, SPEC_PATH), bind(pki.dir, PKI_MOUNT)],
      labels: labels(`c${c.slot}`),
    };
  }
  const hostDir = path.join(dir, 'host');
  writeHostFiles(hostDir, plan, pki, dnsAddress);
  services['windows-host'] = {
    image: o.labImage,
    command: [`${IMAGE_APP_DIR}/dist/cli/probe-worker.js`],
    // probe-worker runs until its stdin closes: an open stdin keeps the host up for `exec`.
    stdin_open: true,
    hostname: 'windows-host',
    networks: onLab(HOST_SLOT),
    volumes: [bind(hostDir, HOST_MOUNT), bind(path.join(hostDir, 'resolv.conf'), '/etc/resolv.conf')],
    depends_on: ['dns', ...componentServices],
    labels: labels('host'),
  };

  const rulesFile = path.join(dir, 'host-firewall.rules');
  fs.writeFileSync(rulesFile, iptablesRules(plan.firewall, namesByAddress(plan, address), dnsAddress, addressDiversions(plan, address)));
  const hostPid = `"$(docker inspect -f '{{.State.Pid}}' "$(docker compose -p ${project} ps -q windows-host)")"`;
  const probe: Record<string, string> = {};
  const seen = new Set<string>();
  for (const check of plan.checks) {
    const key = `${check.identity} ${check.check}`;
    if (seen.has(key)) continue;
    seen.add(key);
    probe[check.check === 'full' ? check.identity : `${check.identity} (${check.check})`] = ['docker', 'compose', '-p', project, 'exec', '-T', 'windows-host', '/usr/bin/node', ...hostProbeArgs(plan, pki, check)].map(shellQuote).join(' ');
  }
  const compose: Record<string, unknown> = {
    name: project,
    services,
    networks: {
      lab: {
        name: project,
        driver: 'bridge',
        internal: true,
        ipam: { config: [{ subnet: `${prefix}.0/24`, gateway: address(GATEWAY_SLOT) }] },
        labels: { [LAB_LABEL]: '1', [`${LAB_LABEL}.run`]: project },
      },
    },
    'x-atp-netlab': {
      scenario: o.scenarioName,
      files: dir,
      firewall: `as root, after up: nsenter -t ${hostPid} -n sh -c 'iptables-restore < ${rulesFile} && ip route replace default via ${address(GATEWAY_SLOT)}'`,
      probe,
      notes: [
        'The network is internal: no container reaches anything outside it, and no port is published.',
        'The images are built offline on this machine: atp-netlab images build (docker save | docker load carries them to another host, with this folder and the PKI folder).',
        "The host's egress firewall and transparent diversion are the iptables rules in host-firewall.rules, loaded into the host container's namespace (the firewall command); without them the host has no filter.",
        'atp-netlab lab prune removes the containers and the network (label atp-netlab).',
      ],
    },
  };
  const header = `# atp-netlab lab export --compose: the lab of scenario "${o.scenarioName}" (support files: ${dir})\n`;
  return { compose, yaml: header + YAML.stringify(compose, { lineWidth: 0 }) };
}
