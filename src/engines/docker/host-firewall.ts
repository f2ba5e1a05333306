/**
 * The plan's egress firewall as real iptables rules in the Windows host container's network
 * namespace, loaded from this machine with `nsenter -t PID -n iptables-restore` (the host
 * image has no iptables of its own, and the container gets no NET_ADMIN: it cannot undo them).
 *
 *   rule order = plan order (first match wins, as firewallDecision), then the default policy;
 *   drop → -j DROP (a real timeout); reject → -j REJECT --reject-with tcp-reset (a real RST).
 *   Always allowed first: loopback, replies, and the lab DNS (the plan's firewall is about
 *   connections, not name lookups, as in process).
 */
import { execFile } from 'node:child_process';
import type { FirewallAction, FirewallDefinition } from '../../lab/firewall-definition.js';
import { matchesPattern } from '../../host-pattern.js';

/** Counted by `iptables -L OUTPUT -v` after a run, for the test that a drop happened here. */
export const DROP_COMMENT = 'atp-netlab egress drop';

function target(action: FirewallAction, rule: string): string[] {
  if (action === 'allow') return ['-j ACCEPT'];
  if (action === 'drop') return [`-m comment --comment "${DROP_COMMENT}: ${rule}" -j DROP`];
  return [`-p tcp -m comment --comment "reject: ${rule}" -j REJECT --reject-with tcp-reset`, `-m comment --comment "reject: ${rule}" -j REJECT`];
}

/** `addresses`: each lab address with every component and DNS name that points at it. */
export function iptablesRules(fw: FirewallDefinition, addresses: Map<string, string[]>, dnsAddress: string): string {
  const lines = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]'];
  lines.push('-A OUTPUT -o lo -j ACCEPT', '-A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT');
  lines.push(`-A OUTPUT -d ${dnsAddress}/32 -p udp --dport 53 -j ACCEPT`, `-A OUTPUT -d ${dnsAddress}/32 -p tcp --dport 53 -j ACCEPT`);
  for (const r of fw.rules) {
    const name = `${r.action} ${r.to}${r.port ? ':' + r.port : ''}`;
    const port = r.port !== undefined ? ` -p tcp --dport ${r.port}` : '';
    const dests = r.to === '*' ? [''] : [...addresses].filter(([a, names]) => r.to === a || names.some((n) => matchesPattern(r.to, n))).map(([a]) => ` -d ${a}/32`);
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

export function loadRules(pid: number, rules: string): Promise<string> {
  return run('nsenter', ['-t', String(pid), '-n', 'iptables-restore'], rules);
}

/** Packets the drop rules counted in the host's namespace (the kernel's own account). */
export async function droppedPackets(pid: number): Promise<number> {
  const out = await run('nsenter', ['-t', String(pid), '-n', 'iptables', '-L', 'OUTPUT', '-v', '-n', '-x']);
  return out.split('\n').filter((l) => l.includes(DROP_COMMENT)).reduce((n, l) => n + Number(l.trim().split(/\s+/)[0] ?? 0), 0);
}
