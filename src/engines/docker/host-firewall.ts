/**
 * The plan's egress firewall as real iptables rules in the Windows host container's network
 * namespace, loaded from this machine with `nsenter -t PID -n iptables-restore` (the host
 * image has no iptables of its own, and the container gets no NET_ADMIN: it cannot undo them).
 *
 *   rule order = plan order (first match wins, as firewallDecision), then the default policy;
 *   drop → -j DROP (a real timeout); reject → -j REJECT --reject-with tcp-reset (a real RST).
 *   Always allowed first: loopback, replies, and the lab DNS (the plan's firewall is about
 *   connections, not name lookups, as in process).
 *   Diversions (a transparent proxy): nat OUTPUT DNATs <cloud address>:443 to the proxy's
 *   address, so the kernel does the redirection. The filter rules match the ORIGINAL
 *   destination (conntrack --ctorigdst), as the in-process firewall decides before diverting.
 */
import { execFile } from 'node:child_process';
import type { FirewallAction, FirewallDefinition } from '../../lab/firewall-definition.js';
import { matchesPattern } from '../../host-pattern.js';

/** Counted by `iptables -L OUTPUT -v` after a run, for the test that a drop happened here. */
export const DROP_COMMENT = 'atp-netlab egress drop';
export const DIVERT_COMMENT = 'atp-netlab divert';

/** A planned diversion, in addresses: connections to `from`:port go to `to`:toPort. */
export interface AddressDiversion {
  from: string[];
  port: number;
  to: string;
  toPort: number;
  name: string;
}

function target(action: FirewallAction, rule: string): string[] {
  if (action === 'allow') return ['-j ACCEPT'];
  if (action === 'drop') return [`-m comment --comment "${DROP_COMMENT}: ${rule}" -j DROP`];
  return [`-p tcp -m comment --comment "reject: ${rule}" -j REJECT --reject-with tcp-reset`, `-m comment --comment "reject: ${rule}" -j REJECT`];
}

/** `addresses`: each lab address with every component and DNS name that points at it. */
export function iptablesRules(fw: FirewallDefinition, addresses: Map<string, string[]>, dnsAddress: string, diversions: AddressDiversion[] = []): string {
  const lines: string[] = [];
  if (diversions.length) {
    lines.push('*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]');
    for (const d of diversions) for (const a of d.from) lines.push(`-A OUTPUT -d ${a}/32 -p tcp --dport ${d.port} -m comment --comment "${DIVERT_COMMENT} to ${d.name}" -j DNAT --to-destination ${d.to}:${d.toPort}`);
    lines.push('COMMIT');
  }
  lines.push('*filter', ':INPUT ACCEPT [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]');
  lines.push('-A OUTPUT -o lo -j ACCEPT', '-A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT');
  lines.push(`-A OUTPUT -d ${dnsAddress}/32 -p udp --dport 53 -j ACCEPT`, `-A OUTPUT -d ${dnsAddress}/32 -p tcp --dport 53 -j ACCEPT`);
  for (const r of fw.rules) {
    const name = `${r.action} ${r.to}${r.port ? ':' + r.port : ''}`;
    const port = r.port !== undefined ? ` -p tcp -m conntrack --ctproto tcp --ctorigdstport ${r.port}` : '';
    const dests = r.to === '*' ? [''] : [...addresses].filter(([a, names]) => r.to === a || names.some((n) => matchesPattern(r.to, n))).map(([a]) => ` -m conntrack --ctorigdst ${a}/32`);
    for (const d of dests) for (const t of target(r.action, name)) lines.push(`-A OUTPUT${d}${port} ${port && t.startsWith('-p tcp') ? t.slice('-p tcp '.length) : t}`);
  }
  for (const t of target(fw.default, `default ${fw.default}`)) lines.push(`-A OUTPUT ${t}`);
  lines.push('COMMIT', '');
  return lines.join('\n');
}

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: 15_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.slice(0, 4).join(' ')}: ${String(stderr).trim() || err.message}`)) : resolve(String(stdout))));
    if (input !== undefined) child.stdin?.end(input);
  });
}

/**
 * Load the rules, and give the host a default route via the lab network's gateway: without one
 * a connect to an outside address fails at routing (ENETUNREACH) and the filter never sees it;
 * with it, the packet meets the host's own filter (and, past an allow, Docker's isolation rules
 * for internal networks, which drop whatever leaves the bridge).
 */
export async function loadRules(pid: number, rules: string, gateway: string): Promise<void> {
  await run('nsenter', ['-t', String(pid), '-n', 'iptables-restore'], rules);
  await run('nsenter', ['-t', String(pid), '-n', 'ip', 'route', 'replace', 'default', 'via', gateway]);
}

/** Packets (nat: connections) that rules with `comment` in their comment counted in pid's namespace. */
export async function countedPackets(pid: number, table: string, comment: string): Promise<number> {
  const out = await run('nsenter', ['-t', String(pid), '-n', 'iptables', '-t', table, '-L', 'OUTPUT', '-v', '-n', '-x']);
  return out.split('\n').filter((l) => l.includes(comment)).reduce((n, l) => n + Number(l.trim().split(/\s+/)[0] ?? 0), 0);
}

/** Packets the drop rules counted in the host's namespace (the kernel's own account). */
export function droppedPackets(pid: number): Promise<number> {
  return countedPackets(pid, 'filter', DROP_COMMENT);
}

/** Connections the kernel diverted (nat rules count a connection's first packet). */
export function divertedConnections(pid: number): Promise<number> {
  return countedPackets(pid, 'nat', DIVERT_COMMENT);
}
