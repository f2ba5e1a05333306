/**
 * Sans-IO: the path a check took, hop by hop, as reports draw it
 * (identity → firewall → proxies → middlebox → cloud host), with the hop that broke marked.
 */
import type { LabNetworkPlan } from '../lab/lab-plan.js';
import type { HopTrace, ProbeOutcome } from '../probe/outcome.js';

export function describePath(plan: LabNetworkPlan, o: ProbeOutcome, host: string): HopTrace[] {
  const hops: HopTrace[] = [{ kind: 'host', label: 'Windows host', ok: true }, { kind: 'firewall', label: 'egress firewall', ok: true }];
  const m = /^PROXY ([^:]+):/.exec(o.route);
  // By role, so a real Squid or mitmproxy stands where the built-in proxy or middlebox would.
  const of = <T>(role: string) => plan.components.filter((c) => c.role === role).map((c) => c.definition as T);
  const middleboxNames = new Set(of<{ name: string }>('middlebox').map((x) => x.name));
  const proxies = of<{ name: string; upstream?: string }>('proxy');
  const transparent = of<{ name?: string; middlebox?: string }>('transparent-proxy')[0];
  if (m) {
    let name: string | undefined = m[1]!.split('.')[0];
    const seen = new Set<string>();
    while (name && !seen.has(name)) {
      seen.add(name);
      const isMiddlebox = middleboxNames.has(name);
      hops.push({ kind: isMiddlebox ? 'middlebox' : 'proxy', label: name, ok: true });
      name = isMiddlebox ? undefined : proxies.find((p) => p.name === name)?.upstream;
    }
  } else if (o.route.startsWith('TRANSPARENT')) {
    hops.push({ kind: 'transparent', label: transparent?.name ?? 'transparent proxy', ok: true });
    const mb = transparent?.middlebox;
    if (mb) hops.push({ kind: 'middlebox', label: mb, ok: true });
  }
  if (o.inspected && !hops.some((h) => h.kind === 'middlebox')) hops.push({ kind: 'middlebox', label: 'SSL inspection', ok: true });
  hops.push({ kind: 'cloud', label: host, ok: true });
  if (o.reachable) {
    if (o.inspected) hops.find((h) => h.kind === 'middlebox')!.code = 'OK';
    return hops;
  }
  const idx = brokenHop(hops, o);
  hops[idx] = { ...hops[idx]!, ok: false, code: o.code };
  return hops;
}

function brokenHop(hops: HopTrace[], o: ProbeOutcome): number {
  const find = (k: HopTrace['kind']) => hops.findIndex((h) => h.kind === k);
  const firstProxy = hops.findIndex((h) => h.kind === 'proxy' || h.kind === 'middlebox' || h.kind === 'transparent');
  switch (o.step) {
    case 'host':
    case 'route':
    case 'dns':
      return 0;
    case 'tcp':
      return find('firewall');
    case 'proxy':
      return firstProxy >= 0 ? firstProxy : find('firewall');
    case 'tls':
    case 'http':
      return o.inspected && find('middlebox') >= 0 ? find('middlebox') : hops.length - 1;
  }
}
