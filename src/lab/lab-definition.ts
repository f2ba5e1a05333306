/**
 * A lab definition is plain, serializable data (like mockttp's rule definitions): the
 * scenario loader builds it, `explainLab` describes it, and `startLab` (topology.ts) turns it
 * into running components. Nothing here owns a socket.
 */
import type { FirewallDefinition } from './egress-firewall.js';
import type { ForwardProxyDefinition } from './forward-proxy.js';
import type { MiddleboxDefinition } from './middlebox.js';
import type { CloudHostDefinition } from './mock-cloud.js';
import type { TransparentProxyDefinition } from './transparent-proxy.js';
import type { PacServerDefinition } from './pac-server.js';

export interface LabDefinition {
  /** DNS suffix of the simulated host (lab names like `corp-proxy.<domain>`). */
  domain: string;
  cloud: { hosts: CloudHostDefinition[] };
  proxies: ForwardProxyDefinition[];
  /** Web servers for PAC files; one named `wpad` answers WPAD discovery. */
  pacServers?: PacServerDefinition[];
  firewall: FirewallDefinition;
  /** SSL-inspecting middleboxes (explicit CONNECT proxies); a forward proxy's `upstream` may name one. */
  middleboxes?: MiddleboxDefinition[];
  /** Diverts the host's traffic to cloud addresses on 443 (the host has no proxy setting). */
  transparentProxy?: TransparentProxyDefinition;
  dns?: {
    /** Extra names → a component name or an address. */
    records?: Record<string, string>;
    /** Names the lab must not answer (e.g. a proxy name missing from DNS). */
    remove?: string[];
  };
}

export function explainLab(def: LabDefinition): string {
  const lines: string[] = [];
  lines.push(`DNS suffix ${def.domain}; the lab DNS answers only lab names.`);
  const fw = def.firewall;
  lines.push(`Host egress firewall: default ${fw.default}${fw.rules.length ? `; rules: ${fw.rules.map((r) => `${r.action} ${r.to}${r.port ? ':' + r.port : ''}`).join(', ')}` : ''}.`);
  for (const p of def.proxies) {
    lines.push(
      `Forward proxy ${p.name}:${p.port ?? 8080}: CONNECT to ${(p.allow ?? ['*']).join(', ')} on port(s) ${(p.ports ?? [443]).join(', ')}` +
        `, auth ${p.auth ?? 'none'}${p.upstream ? `, chained to ${p.upstream}` : ''}${p.onTargetFailure === 'close' ? ', closes without a status line when the target fails' : ''}${p.fault === 'hang' ? ', never answers CONNECT (fault)' : ''}.`,
    );
  }
  for (const w of def.pacServers ?? []) {
    lines.push(`PAC server ${w.name}:80${w.down ? ' (down: every request 404)' : ''} serving ${Object.keys(w.files).join(', ') || 'nothing'}${w.name === 'wpad' ? ' (WPAD)' : ''}.`);
  }
  for (const m of def.middleboxes ?? []) lines.push(explainMiddlebox(m));
  if (def.transparentProxy) lines.push(explainTransparentProxy(def.transparentProxy));
  lines.push(`Cloud: ${def.cloud.hosts.length} sensorapi endpoint(s) on port 443 (TLS 1.2+, client certificate requested).`);
  for (const h of def.cloud.hosts) {
    const quirks = [h.legacy && 'ping answers 503 (legacy)', h.certificate && h.certificate !== 'valid' && `${h.certificate} certificate`, h.clientCert === 'require' && 'requires a client certificate in the handshake', h.maxTlsVersion && `max ${h.maxTlsVersion}`].filter(Boolean);
    if (quirks.length) lines.push(`  ${h.host}: ${quirks.join(', ')}`);
  }
  for (const n of def.dns?.remove ?? []) lines.push(`DNS has no record for ${n}.`);
  return lines.join('\n');
}

function explainMiddlebox(m: MiddleboxDefinition): string {
  const what =
    m.mode === 'none' ? 'plain CONNECT tunnel, no inspection'
    : m.mode === 'splice' ? `splices ${(m.spliceHosts ?? ['*.atp.azure.com']).join(', ')} untouched and intercepts every other host`
    : m.mode === 'intercept' ? 'intercepts TLS and re-originates it WITHOUT a client certificate (breaks the sensor\'s mutual authentication)'
    : 'intercepts TLS and presents the sensor\'s certificate upstream (mutual inspection)';
  const tlsText = (side: string, b: { minTlsVersion?: string; maxTlsVersion?: string } | undefined) =>
    b && (b.minTlsVersion || b.maxTlsVersion) ? `, ${side} TLS ${b.minTlsVersion ?? 'TLSv1.2'}..${b.maxTlsVersion ?? 'TLSv1.3'}` : '';
  return (
    `Middlebox ${m.name}:${m.port ?? 8080}: ${what}; the host ${m.hostTrustsCa ? 'trusts' : 'does NOT trust'} its CA` +
    `${tlsText('sensor-side', m.sensorTls)}${tlsText('cloud-side', m.cloudTls)}` +
    `${m.blockPage ? `, answers ${m.blockPage.status} (block page) when the cloud side fails` : ''}.`
  );
}

function explainTransparentProxy(t: TransparentProxyDefinition): string {
  return (
    `Transparent proxy ${t.name ?? 'transparent-proxy'}: the network diverts the host's port-443 traffic to ${(t.divert ?? ['every cloud host']).join(', ')}` +
    ` and ${t.middlebox ? `hands it to middlebox ${t.middlebox}` : 'tunnels it to the endpoint named by the SNI'}.`
  );
}
