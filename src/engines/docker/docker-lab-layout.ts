/**
 * Sans-IO (but for writing the host's files): how a plan lays out on one Docker network, the
 * same for the docker engine (docker-engine.ts) and for `lab export --compose` (compose-export.ts).
 *
 *   <prefix>.1    the Windows host (HOST_SLOT): probe-worker, its files under /host
 *   <prefix>.n    one component per slot (the plan's slots)
 *   <prefix>.253  the lab DNS (dnsmasq, DNS_SLOT)
 *   <prefix>.254  the network's gateway (GATEWAY_SLOT: the host's default route, so the filter sees outside addresses)
 */
import fs from 'node:fs';
import path from 'node:path';
import { HOST_SLOT, type LabPlan, type PlanCheck } from '../../lab/lab-plan.js';
import { AUTH_CHECK_PATH } from '../../lab/mock-cloud.js';
import type { LabPki } from '../../pki/index.js';
import { hostTrustPems } from '../host-trust.js';
import { proxyCredentialsLine } from '../../probe/proxy-credentials-file.js';
import type { ComponentSpec } from './component-spec.js';
import type { AddressDiversion } from './host-firewall.js';
import { DNSMASQ_PATH, IMAGE_APP_DIR } from './lab-image.js';

export const DNS_SLOT = 253;
export const GATEWAY_SLOT = 254;
/** Where the host's files are mounted in its container. */
export const HOST_MOUNT = '/host';

export function commonName(subject: string): string {
  return /CN=([^,\n]+)/.exec(subject)?.[1]?.trim() ?? subject;
}

/** The lab DNS: dnsmasq with the plan's names only (a hosts file at /lab/hosts); `--address=/#/` makes every other name NXDOMAIN. */
export function dnsmasqArgs(dnsAddress: string): string[] {
  return ['--keep-in-foreground', '--no-resolv', '--no-hosts', '--addn-hosts=/lab/hosts', '--address=/#/', `--listen-address=${dnsAddress}`, '--bind-interfaces', '--pid-file=', '--user=root', '--log-queries', '--log-facility=-'];
}

export { DNSMASQ_PATH };

/** The plan's DNS names with the addresses of their components. */
export function labDnsTable(plan: LabPlan, addressOf: (component: string) => string | undefined): [string, string][] {
  const out: [string, string][] = [];
  for (const n of plan.dns) {
    const a = n.component ? addressOf(n.component) : n.address;
    if (a) out.push([n.name, a]);
  }
  return out;
}

export function hostsFileText(dns: [string, string][]): string {
  return dns.map(([n, a]) => `${a} ${n}`).join('\n') + '\n';
}

/** What each component container reads as /lab/spec.json. */
export function componentSpecs(plan: LabPlan, address: (slot: number) => string): ComponentSpec[] {
  const endpoints = Object.fromEntries(plan.components.map((c) => [c.name, { address: address(c.slot), port: c.port }]));
  const dns = labDnsTable(plan, componentAddress(plan, address));
  return plan.components.map((c) => ({ component: c, address: address(c.slot), endpoints, dns, hostAddress: address(HOST_SLOT) }));
}

/** A component's address by name, from the slot layout. */
export function componentAddress(plan: LabPlan, address: (slot: number) => string): (name: string) => string | undefined {
  return (name) => {
    const c = plan.components.find((x) => x.name === name);
    return c ? address(c.slot) : undefined;
  };
}

/** The plan's transparent diversions in addresses (the host's nat OUTPUT DNAT rules). */
export function addressDiversions(plan: LabPlan, address: (slot: number) => string): AddressDiversion[] {
  const addressOf = componentAddress(plan, address);
  return plan.diversions.map((d) => {
    const to = plan.components.find((c) => c.name === d.to)!;
    return { from: d.from.map(addressOf).filter((a): a is string => a !== undefined), port: d.port, to: address(to.slot), toPort: to.port, name: d.to };
  });
}

/** Each lab address with every component and DNS name at it (for the host's filter rules). */
export function namesByAddress(plan: LabPlan, address: (slot: number) => string): Map<string, string[]> {
  const names = new Map<string, string[]>();
  for (const c of plan.components) names.set(address(c.slot), [c.name]);
  for (const [n, a] of labDnsTable(plan, componentAddress(plan, address))) names.get(a)?.push(n);
  return names;
}

/**
 * The host's hives as one .reg document (the probe reads one export; each hive keeps its own
 * keys). No hive is still an export: a registry without the value, which WinINET reads as
 * "Automatically detect settings" (WPAD), not as "no settings given".
 */
export function mergedHives(hives: Record<string, string>): string {
  const body = Object.values(hives).map((t) => t.replace(/^\uFEFF?Windows Registry Editor Version 5\.00\s*/, '')).join('\r\n');
  return `Windows Registry Editor Version 5.00\r\n\r\n${body}`;
}

/** An identity's proxy credentials file in the host's folder (probe --proxy-credentials-file: `user:password`, 0600). */
export function proxyCredentialsFileName(identity: string): string {
  return `proxy-credentials-${identity}.txt`;
}

/**
 * The Windows host's files (mounted read-only at HOST_MOUNT): resolv.conf, the hive export,
 * trust, client certificates (keys 0600), and each identity's proxy credentials (0600: the
 * password reaches the probe through a private file, never its command line).
 */
export function writeHostFiles(hostDir: string, plan: LabPlan, pki: LabPki, dnsAddress: string): void {
  fs.mkdirSync(hostDir, { recursive: true });
  fs.writeFileSync(path.join(hostDir, 'resolv.conf'), `nameserver ${dnsAddress}\noptions timeout:1 attempts:2\n`);
  fs.writeFileSync(path.join(hostDir, 'hive.reg'), mergedHives(plan.host.hives));
  hostTrustPems(plan.host, pki).forEach((pem, i) => fs.writeFileSync(path.join(hostDir, `trust-${i}.pem`), pem));
  for (const [name, cert] of [['enrolled', pki.clientCert], ['unenrolled', pki.unenrolledClientCert]] as const) {
    fs.writeFileSync(path.join(hostDir, `${name}.pem`), cert.chainPem);
    fs.writeFileSync(path.join(hostDir, `${name}.key`), cert.keyPem, { mode: 0o600 });
  }
  for (const [identity, i] of Object.entries(plan.host.identities)) {
    const line = i?.proxyCredentials && proxyCredentialsLine(i.proxyCredentials);
    if (line) fs.writeFileSync(path.join(hostDir, proxyCredentialsFileName(identity)), line, { mode: 0o600 });
  }
}

/**
 * The probe's command line for one identity's checks of one kind: what an admin would type
 * on the host. One probe per identity, as on a real host, checks its hosts in parallel.
 */
/** `proxyLogs`: proxies' access logs the host can read (the engine mounts Squid's folders), for `--proxy-log`. */
export function hostProbeArgs(plan: LabPlan, pki: LabPki, check: Pick<PlanCheck, 'identity' | 'check'>, opts: { proxyLogs?: readonly string[] } = {}): string[] {
  const h = plan.host;
  const role = h.identities[check.identity]?.clientCert ?? 'enrolled';
  const hosts = [...new Set(plan.checks.filter((c) => c.identity === check.identity && c.check === check.check).map((c) => c.host))];
  const args = [`${IMAGE_APP_DIR}/dist/cli/main.js`, 'probe', '--json', ...hosts.flatMap((x) => ['--extra-host', x]), '--identity', check.identity, '--dns-suffix', plan.domain];
  args.push('--reg', `${HOST_MOUNT}/hive.reg`);
  // One --ca per PEM writeHostFiles wrote (a customer's inspection CA may add more than one per trust entry).
  hostTrustPems(h, pki).forEach((_, i) => args.push('--ca', `${HOST_MOUNT}/trust-${i}.pem`));
  args.push('--expect-root', commonName(pki.trustedRoot.subject));
  if (role !== 'none') args.push('--client-cert', `${HOST_MOUNT}/${role}.pem`, '--client-key', `${HOST_MOUNT}/${role}.key`);
  if (h.identities[check.identity]?.proxyCredentials) args.push('--proxy-credentials-file', `${HOST_MOUNT}/${proxyCredentialsFileName(check.identity)}`);
  if (check.check === 'full') args.push('--auth-path', AUTH_CHECK_PATH);
  args.push('--timeout-ms', String(h.timeouts.totalMs), '--tcp-timeout-ms', String(h.timeouts.tcpMs), '--revocation', h.revocation);
  for (const log of opts.proxyLogs ?? []) args.push('--proxy-log', log);
  return args;
}
