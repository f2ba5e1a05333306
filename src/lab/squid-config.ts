/**
 * Sans-IO: a squid.conf for a lab component, from the same definition fields the built-in
 * forward proxy and middlebox use, plus the lab-only plumbing every Squid needs:
 *
 *   listen      http_port on the component's lab address only (ssl-bump for a middlebox)
 *   names       hosts_file from the plan's DNS table; dns_nameservers = an address of the lab
 *               where nothing answers, so a name outside the lab fails and never leaves it
 *   files       pid, logs, certificate db: all in the per-run folder
 *   records     access_log in a fixed logformat (squid-access-log.ts parses it)
 */
import type { ForwardProxyDefinition } from './kinds/forward-proxy-kind.js';
import type { MiddleboxDefinition, TlsVersionBounds } from './kinds/middlebox-kind.js';
import { SQUID_BLOCK_PAGE, squidDenyInfoName } from './squid-answers.js';

/** `|`-separated, one line per transaction: what squid-access-log.ts reads. */
export const SQUID_LOGFORMAT = '%ts.%03tu|%>a|%rm|%ru|%>Hs|%Ss|%err_code|%err_detail|%ssl::bump_mode|%ssl::>sni|%<a|%un';

export interface SquidFiles {
  dir: string;
  hostsFile: string;
  accessLog: string;
  htpasswd?: string;
  caPem?: string;
  caKey?: string;
  cloudRootPem?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  certDb?: string;
  errorDir?: string;
}

export interface SquidLabSide {
  address: string;
  port: number;
  /** An address of the lab where no DNS server answers. */
  deadResolver: string;
  /** A proxy definition's `upstream`: the planned endpoint of the next hop. */
  parent?: { address: string; port: number };
  /** Drop privileges to this user (Squid refuses to run as root). */
  effectiveUser?: string;
}

/** `*.atp.azure.com` → `.atp.azure.com` (Squid's subdomain form); `*` → undefined (everything). */
export function squidDomain(pattern: string): string | undefined {
  if (pattern === '*') return undefined;
  return pattern.startsWith('*.') ? pattern.slice(1) : pattern;
}

function tlsVersionNumber(v: string): string {
  return v === 'TLSv1' ? '1.0' : v.replace(/^TLSv/, '');
}

function domainAcl(name: string, kind: 'dstdomain' | 'ssl::server_name', patterns: readonly string[]): string[] {
  const domains = patterns.map(squidDomain);
  return domains.includes(undefined) ? [`acl ${name} src all`] : [`acl ${name} ${kind} ${domains.join(' ')}`];
}

/** The lab plumbing every Squid gets, a customer's own config included. */
export function squidLabLines(lab: SquidLabSide, files: SquidFiles): string[] {
  return [
    `pid_filename ${files.dir}/squid.pid`,
    `cache_log ${files.dir}/cache.log`,
    `coredump_dir ${files.dir}`,
    `hosts_file ${files.hostsFile}`,
    `dns_nameservers ${lab.deadResolver}`,
    'dns_defnames off',
    'dns_timeout 1 seconds',
    'dns_retransmit_interval 1 seconds',
    `tcp_outgoing_address ${lab.address}`,
    `udp_incoming_address ${lab.address}`,
    'shutdown_lifetime 0 seconds',
    'pinger_enable off',
    'netdb_filename none',
    'logfile_rotate 0',
    'icp_port 0',
    'htcp_port 0',
    ...(lab.effectiveUser ? [`cache_effective_user ${lab.effectiveUser}`] : []),
    `logformat atpnl ${SQUID_LOGFORMAT}`,
    `access_log stdio:${files.accessLog} atpnl`,
    'buffered_logs off',
    'visible_hostname atp-netlab-squid',
  ];
}

export function squidForwardProxyConfig(def: ForwardProxyDefinition, lab: SquidLabSide, files: SquidFiles): string {
  const lines = [`http_port ${lab.address}:${lab.port}`, ...squidLabLines(lab, files), 'cache deny all'];
  lines.push(`acl lab_ports port ${(def.ports ?? [443]).join(' ')}`, ...domainAcl('lab_allowed', 'dstdomain', def.allow ?? ['*']));
  const denyAs = def.denyAs === 'reset' ? ['deny_info TCP_RESET lab_allowed', 'deny_info TCP_RESET lab_ports'] : [];
  if (def.auth && def.auth !== 'none') {
    lines.push(
      `auth_param basic program /usr/lib/squid/basic_ncsa_auth ${files.htpasswd}`,
      'auth_param basic children 2 startup=1 idle=1',
      'auth_param basic realm atp-netlab',
      // Squid lowercases the user name before asking the helper unless told otherwise, and
      // basic_ncsa_auth compares it byte for byte: CONTOSO\admin never matched its own line.
      'auth_param basic casesensitive on',
      'acl lab_authed proxy_auth REQUIRED',
      ...misreportedAuth(def.auth),
      'http_access deny !lab_authed',
    );
  }
  lines.push('http_access deny !lab_ports', 'http_access deny !lab_allowed', ...denyAs, 'http_access allow all');
  if (lab.parent) lines.push(`cache_peer ${lab.parent.address} parent ${lab.parent.port} 0 no-query no-digest default`, 'never_direct allow all');
  return lines.join('\n') + '\n';
}

/**
 * The field's "wants credentials but does not say 407" (auth: 401 | 403-with-challenge), made
 * of stock Squid 5.7 directives only, checked against the real program:
 *
 *   401   deny_info 401:ERR_CACHE_ACCESS_DENIED on an ACL that matches a request without
 *         Proxy-Authorization: Squid answers CONNECT with `401 Unauthorized`, and because the
 *         status is 401 it adds its configured scheme's challenge as `WWW-Authenticate: Basic
 *         realm=…` itself (X-Squid-Error: 401:ERR_CACHE_ACCESS_DENIED 0; TCP_DENIED/401).
 *   403   deny_info 403:ERR_CACHE_ACCESS_DENIED on the same ACL gives a 403 with no challenge
 *         (Squid adds one only to 401 and 407), so reply_header_add puts the Basic
 *         Proxy-Authenticate on those answers (TCP_DENIED/403).
 *
 * deny_info on the proxy_auth ACL itself does not work: Squid keeps 407 for its own challenge.
 * Sources: squid-cache.org/Doc/config/deny_info ("A different 4xx or 5xx may be specified by
 * prefixing the file name with the code and a colon"), /Doc/config/reply_header_add (it "does
 * not apply to successful CONNECT replies", so it does apply to a denied one); the answers
 * themselves are in test/probe/fixtures/real-proxy-answers.txt.
 * Wrong credentials still get Squid's 407 (the built-in proxy answers 401/403 to those too).
 */
function misreportedAuth(auth: ForwardProxyDefinition['auth']): string[] {
  if (auth !== '401' && auth !== '403-with-challenge') return [];
  const status = auth === '401' ? 401 : 403;
  return [
    'acl lab_has_credentials req_header Proxy-Authorization .',
    `deny_info ${status}:ERR_CACHE_ACCESS_DENIED lab_has_credentials`,
    ...(status === 403 ? ['reply_header_add Proxy-Authenticate "Basic realm=\\"atp-netlab\\"" !lab_has_credentials'] : []),
    'http_access deny !lab_has_credentials',
  ];
}

/**
 * Directives of a customer's squid.conf the lab replaces (listen, names, files, user) or
 * comments out because they would reach outside the lab or the per-run folder (parents,
 * included files, cache folders, other listeners).
 */
const CUSTOMER_DROPPED = new Set([
  'http_port', 'https_port', 'hosts_file', 'dns_nameservers', 'pid_filename', 'cache_log', 'access_log', 'cache_store_log',
  'coredump_dir', 'cache_dir', 'cache_effective_user', 'cache_effective_group', 'include', 'cache_peer', 'tcp_outgoing_address',
  'udp_incoming_address', 'udp_outgoing_address', 'icp_port', 'htcp_port', 'snmp_port', 'logfile_rotate', 'pinger_enable',
  'netdb_filename', 'sslcrtd_program', 'logformat', 'buffered_logs', 'dns_defnames', 'shutdown_lifetime',
]);

/**
 * A customer's own squid.conf, kept as written except for the lab's listen address, names
 * (hosts_file, a resolver that cannot leave the lab), files and user, which come first; each
 * directive the lab replaced is left in place as a comment, so `config` shows what changed.
 */
export function squidCustomerConfig(customer: string, lab: SquidLabSide, files: SquidFiles): string {
  const kept = customer.split(/\r?\n/).map((line) => {
    const directive = /^\s*([A-Za-z_]+)\b/.exec(line)?.[1]?.toLowerCase();
    return directive && CUSTOMER_DROPPED.has(directive) ? `# atp-netlab replaced: ${line.trim()}` : line;
  });
  // The scenario's `upstream` stands for the customer's parent: the lab's own, never theirs.
  const parent = lab.parent ? [`cache_peer ${lab.parent.address} parent ${lab.parent.port} 0 no-query no-digest default`, 'never_direct allow all'] : [];
  return [`http_port ${lab.address}:${lab.port}`, ...squidLabLines(lab, files), ...parent, '# --- the customer\'s squid.conf ---', ...kept].join('\n') + '\n';
}

function outgoingTls(def: MiddleboxDefinition, files: SquidFiles): string {
  const opts = [`cafile=${files.cloudRootPem}`, 'default-ca=off'];
  if (def.mode === 'intercept-mutual') opts.push(`cert=${files.clientCertPem}`, `key=${files.clientKeyPem}`);
  if (def.cloudTls?.minTlsVersion) opts.push(`min-version=${tlsVersionNumber(def.cloudTls.minTlsVersion)}`);
  if (lowTls(def.cloudTls)) opts.push('cipher=DEFAULT@SECLEVEL=0');
  return `tls_outgoing_options ${opts.join(' ')}`;
}

/** http_port options for the TLS versions offered to the sensor. */
function sensorTlsOptions(b: TlsVersionBounds | undefined): string {
  if (!b) return '';
  const order = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
  const above = b.maxTlsVersion ? order.slice(order.indexOf(b.maxTlsVersion) + 1).map((v) => `NO_${v.replace('.', '_')}`) : [];
  return [b.minTlsVersion ? ` tls-min-version=${tlsVersionNumber(b.minTlsVersion)}` : '', above.length ? ` tls-options=${above.join(':')}` : '', lowTls(b) ? ' tls-cipher=DEFAULT@SECLEVEL=0' : ''].join('');
}

function lowTls(b: TlsVersionBounds | undefined): boolean {
  return !!b && (b.minTlsVersion === 'TLSv1' || b.minTlsVersion === 'TLSv1.1' || b.maxTlsVersion === 'TLSv1' || b.maxTlsVersion === 'TLSv1.1');
}

export function squidMiddleboxConfig(def: MiddleboxDefinition, lab: SquidLabSide, files: SquidFiles): string {
  if (def.mode === 'none') return [`http_port ${lab.address}:${lab.port}`, ...squidLabLines(lab, files), 'cache deny all', 'http_access allow all'].join('\n') + '\n';
  const sensorMin = sensorTlsOptions(def.sensorTls);
  const lines = [
    `http_port ${lab.address}:${lab.port} ssl-bump tls-cert=${files.caPem} tls-key=${files.caKey} generate-host-certificates=on dynamic_cert_mem_cache_size=4MB${sensorMin}`,
    ...squidLabLines(lab, files),
    'cache deny all',
    `sslcrtd_program /usr/lib/squid/security_file_certgen -s ${files.certDb} -M 4MB`,
    'sslcrtd_children 3 startup=1 idle=1',
    outgoingTls(def, files),
    'acl step1 at_step SslBump1',
    'ssl_bump peek step1',
  ];
  if (def.mode === 'splice') lines.push(...domainAcl('lab_splice', 'ssl::server_name', def.spliceHosts ?? ['*.atp.azure.com']), 'ssl_bump splice lab_splice');
  lines.push('ssl_bump bump all');
  if (def.blockPage) {
    // The block page after the bump (blockPage.when: always; the kind refuses the other case):
    // every decrypted request is denied with the page's body and status.
    lines.push(
      `error_directory ${files.errorDir}`,
      'acl lab_inner method GET POST PUT HEAD',
      `deny_info ${squidDenyInfoName(def.blockPage.status, SQUID_BLOCK_PAGE)} lab_inner`,
      'http_access deny lab_inner',
    );
  }
  lines.push('http_access allow all');
  return lines.join('\n') + '\n';
}
