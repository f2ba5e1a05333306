/**
 * What each probe outcome means to a network engineer and what to change, tied to the
 * guidance it comes from: the seed page's rules (WinINET, LocalService/LocalSystem proxy
 * copy, the allowlist on 443, mutual authentication through inspection, transparent
 * proxy/WPAD) and the failures seen in the field (FACTS §3). Every reporter (console, HTML,
 * Markdown) takes its words from here, so one fix is worded the same way everywhere.
 *
 * The table is typed `Record<ProbeCode, …>`: adding a code to PROBE_CODES without an entry
 * here does not compile (and a test checks it at run time too).
 */
import { citeSource } from '../catalog/sources.js';
import { HOST_PREREQUISITE_CODES, type HostPrerequisiteCode } from '../probe/host/host-prerequisite-codes.js';
import type { CheckResult } from './result-model.js';
import type { ProbeCode } from '../probe/outcome.js';

export type RemediationSeverity = 'ok' | 'warning' | 'error';

export interface Remediation {
  /** The probe code, or `OK_INSPECTED` for a success through SSL inspection. */
  code: ProbeCode | 'OK_INSPECTED';
  severity: RemediationSeverity;
  /** A few words, for a diagram caption or a list heading. */
  title: string;
  /** What happened, for a network engineer. */
  explanation: string;
  /** What to change. */
  fix: string;
  /** Which guidance this rests on: the seed's rules, later revisions, field failures. */
  source: string;
  /** The message the real sensor or its health alerts show for this failure, when known. */
  symptom?: string;
}

type Entry = Omit<Remediation, 'code'>;

const PROXY_COPY =
  'copy the administrator\'s DefaultConnectionSettings from HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections to HKU\\S-1-5-19 (LocalService, the sensor) and HKU\\S-1-5-18 (LocalSystem, the updater), after backing the keys up (`atp-netlab proxy-copy` writes the .reg/.ps1)';
const SEED_WININET = 'Seed: the sensor uses the WinINET proxy configuration, not WinHTTP; the sensor service runs as LocalService and the updater as LocalSystem, so the proxy must be copied from HKCU to HKU\\S-1-5-19 and HKU\\S-1-5-18';
const SEED_ALLOWLIST = 'Seed: when a proxy or firewall blocks by default, allow the regional sensorapi hosts and <workspace>sensorapi.atp.azure.com on port 443';
const SEED_MUTUAL = 'Seed: SSL inspection between sensor and service must support mutual authentication; since 2022 Microsoft states that SSL inspection and intercepting proxies are not supported';
const NO_CONTACT = 'Sensor failed to connect to service; after 5 minutes without contact the health alert "Sensor stopped communicating"';
const TWO_WAY = 'Two way SSL connection to service failed';

/** The host-prerequisite entries, worded once in probe/host/host-prerequisite-codes.ts. */
function hostEntry(code: Exclude<HostPrerequisiteCode, 'HOST_CERT_ENROLL_BLOCKED'>, title: string, symptom?: string): Entry {
  const h = HOST_PREREQUISITE_CODES[code];
  const fix = h.remediation.charAt(0).toUpperCase() + h.remediation.slice(1);
  return { severity: 'error', title, explanation: `${h.meaning.charAt(0).toUpperCase()}${h.meaning.slice(1)}.`, fix: `${fix}.`, source: `Current guidance: ${citeSource(h.source, h.section)}`, ...(symptom ? { symptom } : {}) };
}

export const REMEDIATIONS: Record<ProbeCode, Entry> = {
  HOST_UPDATER_PORT_BLOCKED: hostEntry('HOST_UPDATER_PORT_BLOCKED', 'Updater port 444 blocked on the host', 'HttpRequestException: A connection attempt failed because the connected party did not properly respond after a period of time'),
  HOST_UPDATER_NOT_LISTENING: hostEntry('HOST_UPDATER_NOT_LISTENING', 'Sensor updater not running'),
  HOST_DOTNET_TLS_VALUES: hostEntry('HOST_DOTNET_TLS_VALUES', '.NET TLS 1.2 values missing', 'ApplyInternal failed two way SSL connection to service'),
  HOST_ROOT_MISSING: hostEntry('HOST_ROOT_MISSING', 'Required root missing from the machine store', 'The sensor failed to connect to service'),
  HOST_CLOCK_SKEW: hostEntry('HOST_CLOCK_SKEW', 'Host clock skew'),
  OK: {
    severity: 'ok',
    title: 'Reachable',
    explanation:
      'The cloud gave one of the answers of its era (v2: 200 Ok, 200 with the latest sensor version number, or 503 on older workspaces, which still proves the path; v3: 500 from /cnc/identity/api) and, in the lab, the cloud received the sensor\'s own client certificate: this identity reaches the service the way the sensor does.',
    fix: 'Nothing to change for this identity and host.',
    source: 'Seed: every sensor must reach the cloud service over HTTPS on TCP 443; later revisions: /tri/sensor/api/ping answers 200 Ok (503 on older workspaces)',
  },
  ROUTE_PAC_UNAVAILABLE: {
    severity: 'error',
    title: 'PAC/WPAD script not found',
    explanation:
      'This identity is set to use an automatic configuration script (a PAC URL, or "Automatically detect settings" = WPAD), but the script could not be found or downloaded, so WinINET has no proxy for the sensor. WPAD looks for wpad.<domain suffix> over DHCP option 252 and DNS, then fetches http://wpad.<...>/wpad.dat on port 80.',
    fix: 'Make the script reachable from the domain controller (DNS record wpad.<domain>, its web server on port 80, or DHCP option 252), or configure a static proxy and ' + PROXY_COPY + '.',
    source: 'Seed: with a transparent proxy or WPAD no WinINET proxy configuration is needed, which holds only while the WPAD script is reachable from the host',
    symptom: NO_CONTACT,
  },
  ROUTE_PAC_ERROR: {
    severity: 'error',
    title: 'PAC script unusable',
    explanation:
      'The PAC script was downloaded, but FindProxyForURL threw an error or returned nothing usable for the sensor\'s URL, so WinINET could not choose a route.',
    fix: 'Fix FindProxyForURL so it returns "PROXY host:port" (or "DIRECT" where the firewall allows it) for the *sensorapi.atp.azure.com hosts; `atp-netlab endpoints --format pac` prints a reference script.',
    source: 'Seed: WPAD is a supported way to give the sensor its proxy; the script must then answer for the sensorapi hosts',
    symptom: NO_CONTACT,
  },
  ROUTE_NOT_CONFIGURED: {
    severity: 'warning',
    title: 'method not configured',
    explanation:
      'probe --matrix tries every proxy method a Windows admin would try (the identity\'s WinINET setting, WPAD, direct, the sensor\'s own proxy in SensorConfiguration.json, WinHTTP, a named proxy). This one has no setting for this identity (no DefaultConnectionSettings value, no WPAD script, no WinHttpSettings proxy, no SensorProxyConfiguration, no --proxy), so nothing was tried. It is not a network failure.',
    fix: 'Nothing to fix for this cell; read the other columns. To use this method, configure it (e.g. `netsh winhttp set proxy`, `Set-MDISensorProxyConfiguration`, a WPAD record) and probe again.',
    source: 'Current guidance: Defender for Endpoint\'s client analyzer (defender-endpoint/verify-connectivity.md) reports connectivity per proxy method; Defender for Identity deploy/configure-proxy.md lists the sensor\'s methods',
  },
  DNS_UNAVAILABLE: {
    severity: 'error',
    title: 'DNS server unreachable',
    explanation:
      'No DNS server answered the lookup (EAI_AGAIN, SERVFAIL or a timeout): the host\'s resolver is unreachable or failing. This is not "the name does not exist", so the workspace name may be right. Domain controllers are usually their own DNS servers; their forwarders may be blocked from the Internet.',
    fix: 'Check the host\'s DNS servers and their forwarders (nslookup <workspace>sensorapi.atp.azure.com), the firewall for UDP/TCP 53 from the DNS server outward, or, if this identity should use the proxy, ' + PROXY_COPY + ' (the proxy then resolves the names itself).',
    source: SEED_WININET,
    symptom: NO_CONTACT,
  },
  DNS_NOT_FOUND: {
    severity: 'error',
    title: 'Name does not resolve',
    explanation:
      'A name did not resolve: the sensor endpoint itself (on a direct route) or the proxy\'s name. Domain controllers that reach the Internet only through a proxy often cannot resolve public names: harmless when the identity uses the proxy, fatal when it has no proxy and goes direct.',
    fix: 'If this identity should use the proxy, ' + PROXY_COPY + '. Otherwise check the proxy host name in the WinINET proxy string, or the workspace name in <workspace>sensorapi.atp.azure.com.',
    source: SEED_WININET,
    symptom: NO_CONTACT,
  },
  TCP_TIMEOUT: {
    severity: 'error',
    title: 'Connection dropped',
    explanation:
      'The TCP connection got no answer: a firewall silently dropped it. On a DIRECT route this usually means the identity has no proxy (a proxy set only for the logged-on administrator, or only with `netsh winhttp`, is invisible to the sensor) and the egress firewall blocks the domain controller; on a proxy route, the firewall drops traffic to the proxy port.',
    fix: 'Give LocalService and LocalSystem the proxy: ' + PROXY_COPY + '. Or allow TCP 443 from the domain controller to the sensor endpoints; on a proxy route, allow the proxy port from the domain controller.',
    source: SEED_WININET + '; field: no contact for 5 minutes raises "Sensor stopped communicating"',
    symptom: NO_CONTACT,
  },
  TCP_REFUSED: {
    severity: 'error',
    title: 'Connection refused',
    explanation:
      'The connection was actively refused or rejected: nothing listens on that address and port (a wrong proxy port in the WinINET string), or a firewall rejects it.',
    fix: 'Check the host:port in this identity\'s WinINET proxy string against the proxy\'s real port, and that the firewall allows the domain controller to reach it (or TCP 443 to the sensor endpoints on a direct route).',
    source: SEED_WININET,
    symptom: NO_CONTACT,
  },
  PROXY_AUTH_REQUIRED: {
    severity: 'error',
    title: 'Proxy demands authentication',
    explanation:
      'The proxy answered 407 Proxy Authentication Required. An administrator\'s browser (CurrentUser) answers it with the logged-on credentials, so a browser test looks fine, but the sensor service (LocalService) and its updater (LocalSystem) have no interactive user and cannot answer a proxy challenge.',
    fix: 'Exempt the domain controllers\' traffic to *sensorapi.atp.azure.com:443 from proxy authentication (allow by source address), or give the sensor its own proxy credentials where its version supports it (installer ProxyUserName/ProxyUserPassword, later Set-MDISensorProxyConfiguration).',
    source: 'Seed: the sensor runs as LocalService and the updater as LocalSystem; 2019 revision: installer proxy credential switches; field: the administrator tests in a browser while the services fail',
    symptom: NO_CONTACT,
  },
  PROXY_AUTH_UNSUPPORTED: {
    severity: 'error',
    title: 'v3 sensor: proxy authentication unsupported',
    explanation:
      'The v3 sensor connects through Defender for Endpoint (WinHTTP as LocalSystem), and the proxy demanded user authentication (407, or 401/403 with a challenge). Defender for Endpoint cannot answer it: unlike a v2 sensor, there is no place to give the sensor proxy credentials.',
    fix: 'Exempt the Defender for Endpoint URLs (*.endpoint.security.microsoft.com, or the standard set) and the certificate revocation hosts from proxy authentication for the servers\' source addresses; set TelemetryProxyServer together with DisableEnterpriseAuthProxy = 1 (HKLM\\Software\\Policies\\Microsoft\\Windows\\DataCollection).',
    source: `Current guidance: ${citeSource('mdeStreamlined', 'Defender for Endpoint-recognized simplified domain')}; ${citeSource('mdeConfigureProxy', 'Configure the proxy server manually using a registry-based static proxy setting')}; ${citeSource('mdiDeploySensorV3', 'Network requirements')}`,
    symptom: NO_CONTACT,
  },
  PROXY_AUTH_MISREPORTED: {
    severity: 'error',
    title: 'Proxy challenge sent as 401/403, not 407',
    explanation:
      'The proxy wants credentials but answered 401 or 403 (with a challenge) instead of 407. WinINET only treats 407 as a proxy challenge, so the answer looks like the service refusing the sensor, and LocalService could not answer a challenge anyway. At registration this surfaces as "Sensor failed to register due to licensing issues" (LicenseInvalid, exit 0x642), which sends people to check licences instead of the proxy.',
    fix: 'Make the proxy answer CONNECT with 407 Proxy Authentication Required when it wants credentials, and exempt the domain controllers\' traffic to *sensorapi.atp.azure.com:443 from authentication.',
    source: 'Field failure: a proxy answering 401/403 instead of 407 causes "licensing issues" (LicenseInvalid, 0x642); seed: the sensor runs as LocalService, which cannot answer a proxy challenge',
    symptom: 'Sensor failed to register due to licensing issues (LicenseInvalid, exit 0x642)',
  },
  PROXY_DENIED: {
    severity: 'error',
    title: 'Proxy refuses the destination',
    explanation:
      'The proxy refused the CONNECT to this host (403 or another 4xx, or a reset that its own log records as a denial, e.g. `TCP_DENIED/000` in Squid\'s native access log for `deny_info TCP_RESET`): the host is not on its allowlist, or CONNECT to port 443 is not allowed.',
    fix: 'Allow CONNECT on port 443 to <workspace>sensorapi.atp.azure.com and the regional sensorapi hosts (`atp-netlab endpoints --workspace <name> --region <region> --format squid` prints them as an ACL), plus the certificate revocation hosts.',
    source: SEED_ALLOWLIST,
    symptom: NO_CONTACT,
  },
  PROXY_UPSTREAM_FAILED: {
    severity: 'error',
    title: 'Proxy cannot reach the service',
    explanation:
      'The proxy accepted the request but could not reach the destination itself (500, 502, 503 or 504; Squid says ERR_CANNOT_FORWARD, ERR_CONNECT_FAIL or ERR_DNS_FAIL): its own DNS, its upstream (parent) proxy or the perimeter firewall failed.',
    fix: 'Check the proxy\'s outbound path: that it resolves *.atp.azure.com, that its upstream proxy chain allows the sensorapi hosts, and that the perimeter firewall allows it TCP 443.',
    source: SEED_ALLOWLIST,
    symptom: NO_CONTACT,
  },
  PROXY_CLOSED: {
    severity: 'error',
    title: 'Proxy hung up',
    explanation:
      'The proxy closed or reset the connection without any status line: typically a proxy that cannot reach the target and drops the client, a port that does not speak HTTP CONNECT (an HTTPS or SOCKS port), or a policy denial sent as a reset (Squid `deny_info TCP_RESET`, some firewalls\' "reset" action).',
    fix: 'Check the proxy\'s access log for the sensorapi host: a denied entry (Squid TCP_DENIED) means an allowlist problem, so allow the sensorapi hosts on 443 (`atp-netlab probe --proxy-log <access.log>` reads the log itself and reports such a reset as PROXY_DENIED). Otherwise point WinINET at the proxy\'s HTTP port, and configure the proxy to answer failures with a status (502/403) so they can be told apart.',
    source: SEED_WININET,
    symptom: NO_CONTACT,
  },
  PROXY_TIMEOUT: {
    severity: 'error',
    title: 'Proxy does not answer',
    explanation:
      'The proxy accepted the TCP connection but never answered CONNECT in time: it is overloaded, waiting on a slow upstream, or waiting on an authentication back end.',
    fix: 'Check the proxy\'s load, its upstream path to *.atp.azure.com:443 and its authentication back end; exempting the sensor endpoints from authentication also removes that wait.',
    source: SEED_ALLOWLIST,
    symptom: NO_CONTACT,
  },
  TLS_UNTRUSTED_CERT: {
    severity: 'error',
    title: 'Certificate chain not trusted',
    explanation:
      'The server\'s certificate chain does not lead to a root this host trusts. Either the domain controller lacks the cloud\'s roots (DigiCert Global Root G2; Baltimore CyberTrust Root for older chains), common without automatic root updates, or a middlebox re-signed the traffic with a CA the host does not trust.',
    fix: 'Install DigiCert Global Root G2 (and Baltimore CyberTrust Root) in the Local Machine Trusted Root store and allow the revocation hosts (crl.microsoft.com, ctldl.windowsupdate.com, www.microsoft.com/pkiops/*). If the chain was re-signed by inspection, do not deploy the inspection CA: bypass inspection for *.atp.azure.com.',
    source: 'Field failure: missing DigiCert Global Root G2 / Baltimore roots cause "Sensor failed to connect to service"; later revisions: expected chain DigiCert Global Root G2 → Microsoft Azure TLS Issuing CA',
    symptom: 'Sensor failed to connect to service',
  },
  TLS_REVOCATION_UNREACHABLE: {
    severity: 'error',
    title: 'Revocation data unreachable while revocation checking is enforced',
    explanation:
      'The host enforces certificate revocation checking, but cannot fetch revocation data over HTTP port 80 from crl.microsoft.com, ctldl.windowsupdate.com or www.microsoft.com/pki*: the allowlist opens the sensorapi hosts on 443 only. Chain validation then fails although the sensorapi endpoint itself is reachable.',
    fix: 'Allow crl.microsoft.com, ctldl.windowsupdate.com, www.microsoft.com/pkiops/* and www.microsoft.com/pki/* on port 80 in the proxy/firewall (atp-netlab endpoints --revocation prints them), or stop enforcing revocation checking for this host.',
    source: 'Later guidance (2023): explicit allowlists must also allow the certificate revocation hosts',
    symptom: 'Sensor failed to connect to service',
  },
  TLS_CERT_EXPIRED: {
    severity: 'error',
    title: 'Certificate expired or not yet valid',
    explanation:
      'A certificate in the server chain is outside its validity period: the domain controller\'s clock is wrong, or a middlebox presents an expired forged certificate or CA.',
    fix: 'Check the domain controller\'s time (w32time); if the chain was re-signed by a middlebox, renew its CA, or better bypass inspection for *.atp.azure.com.',
    source: 'Field failure: certificate problems surface as "Sensor failed to connect to service"',
    symptom: 'Sensor failed to connect to service',
  },
  TLS_HOSTNAME_MISMATCH: {
    severity: 'error',
    title: 'Certificate is for another name',
    explanation:
      'The certificate does not cover the sensorapi host name: the connection reached another server (a block or captive page, a transparent proxy presenting its own certificate, or DNS pointing elsewhere).',
    fix: 'Check what answers on 443 for the sensorapi name (DNS, transparent proxy rules); a transparent proxy must pass *.atp.azure.com through untouched.',
    source: 'Seed: a transparent proxy needs no WinINET configuration, provided it passes the sensor\'s TLS through unchanged',
    symptom: 'Sensor failed to connect to service',
  },
  TLS_PROTOCOL_VERSION: {
    severity: 'error',
    title: 'No TLS 1.2',
    explanation:
      'The two sides did not agree on TLS 1.2 or later. The service requires TLS 1.2 (since sensor 2.107, 2020); a host whose .NET still defaults to TLS 1.0/1.1, or a middlebox limited to them, cannot connect.',
    fix: 'Enable TLS 1.2 for .NET on the domain controller: DWORD SchUseStrongCrypto=1 and SystemDefaultTlsVersions=1 under HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319 and HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\.NETFramework\\v4.0.30319; make sure any middlebox offers TLS 1.2 on both sides.',
    source: 'Later revisions: TLS 1.2 required since sensor 2.107; field failure: old .NET TLS defaults cause "Two way SSL connection to service failed" (fix: SchUseStrongCrypto, SystemDefaultTlsVersions)',
    symptom: TWO_WAY,
  },
  TLS_CLIENT_CERT_REJECTED: {
    severity: 'error',
    title: 'Sensor certificate rejected',
    explanation:
      'The peer refused the sensor\'s client certificate during the handshake. Sensor and cloud authenticate each other with certificates: either the cloud does not accept this sensor\'s certificate (not registered to this workspace, or replaced), or a middlebox in the path demands or substitutes its own.',
    fix: 'If the path goes through SSL inspection, bypass it for *.atp.azure.com. Otherwise re-register the sensor (reinstall with the workspace\'s access key) so it presents a certificate the workspace accepts.',
    source: SEED_MUTUAL,
    symptom: TWO_WAY,
  },
  TLS_HANDSHAKE_FAILED: {
    severity: 'error',
    title: 'TLS handshake failed',
    explanation:
      'The TLS handshake failed for a reason other than trust, name, version or client certificate: usually a middlebox or transparent proxy interfering with the connection, or no cipher suite in common. A reset or close with no TLS alert (the detail says which) comes from a device on the path, not from the cloud: an SNI filter resets right after the ClientHello.',
    fix: 'Compare with a path that bypasses the middlebox; align its TLS policy (TLS 1.2+, modern ciphers) or bypass it for *.atp.azure.com; enable strong crypto for .NET (SchUseStrongCrypto=1, SystemDefaultTlsVersions=1). For a reset after the ClientHello, allow *.atp.azure.com in the SNI or URL filter of the proxy, firewall or IPS on the path.',
    source: 'Field failure: "Two way SSL connection to service failed" is often a proxy doing SSL inspection, or old .NET TLS defaults',
    symptom: TWO_WAY,
  },
  INSPECTION_BREAKS_MUTUAL_AUTH: {
    severity: 'error',
    title: 'SSL inspection breaks mutual authentication',
    explanation:
      'A middlebox re-signed the server chain (SSL inspection) and opened its own connection to the cloud without the sensor\'s certificate, so the cloud never learnt which sensor was calling. The handshake with the middlebox succeeded, which is why a browser test looks fine.',
    fix: 'Splice or bypass inspection for *.atp.azure.com (tunnel it untouched). An inspecting proxy that relays mutual authentication is the only alternative, and Microsoft no longer supports it.',
    source: SEED_MUTUAL + '; field failure: inspection causes "Two way SSL connection to service failed"',
    symptom: TWO_WAY,
  },
  INSPECTION_UPSTREAM_FAILED: {
    severity: 'error',
    title: 'Inspecting middlebox cannot reach the cloud',
    explanation:
      'An SSL-inspecting middlebox decrypted the sensor\'s connection, then failed to open its own TLS connection to the cloud and answered with its own error page instead of the cloud (Squid 503 ERR_SECURE_CONNECT_FAIL, mitmproxy 502 "Certificate verify failed"). Typical causes: the cloud asks for a client certificate the middlebox does not hold, the middlebox does not trust the cloud\'s CA (DigiCert Global Root G2), no common cipher, or a TLS version floor. A ping-only or browser test may look like the legacy 503, but the cloud never answered.',
    fix: 'Splice or bypass inspection for *.atp.azure.com (Squid `ssl_bump splice` for an `ssl::server_name` ACL, mitmproxy `ignore_hosts`). If inspection must stay, give the middlebox the cloud\'s roots and TLS 1.2+, and know that it still breaks the sensor\'s mutual authentication.',
    source: SEED_MUTUAL,
    symptom: TWO_WAY,
  },
  HTTP_STATUS: {
    severity: 'error',
    title: 'Unexpected HTTP status',
    explanation:
      'The connection and TLS worked, but the ping or the authenticated call returned an unexpected status (the detail says which): a block page from a proxy or middlebox, a wrong workspace name, or the service refusing the sensor. A 503 from an older workspace counts as success here, although Test-MDISensorApiConnection reports it as a failure.',
    fix: 'Read the status in the detail: a block page means the device in the path must allow *sensorapi.atp.azure.com:443; 404 usually means a wrong workspace name in <workspace>sensorapi.atp.azure.com; 401/403 from the cloud means the sensor is not accepted by this workspace.',
    source: SEED_ALLOWLIST + '; later revisions: the ping endpoint answers 200 Ok (503 on older workspaces)',
    symptom: NO_CONTACT,
  },
  HTTP_TIMEOUT: {
    severity: 'error',
    title: 'No answer in time',
    explanation:
      'The connection and TLS handshake succeeded but no HTTP answer came back in time: a proxy or middlebox holding the request (content scanning, a stalled upstream), or a stalled service.',
    fix: 'Exempt the sensor endpoints from content scanning and inspection; check the proxy\'s request and idle timeouts toward *.atp.azure.com.',
    source: 'Field failure: no contact for 5 minutes raises "Sensor stopped communicating"',
    symptom: 'Sensor stopped communicating (no contact for 5 minutes)',
  },
  HTTP_CONNECTION_CLOSED: {
    severity: 'error',
    title: 'Connection closed before the answer',
    explanation:
      'The connection and TLS handshake succeeded and the request went out, but the connection was closed or reset before a complete answer came, and not right after the handshake (which is how a server refuses a client certificate): a firewall, proxy or middlebox on the path gave up on it. Typical causes: an idle timeout shorter than the service takes to answer, a cap on the bytes or the lifetime of a connection, or a device that resets flows it cannot classify. The sensor keeps a long-lived connection and meets the same cut.',
    fix: 'Find the device that closed the connection (the detail says after how long and how many bytes): raise its idle timeout and connection lifetime for *.atp.azure.com:443 above the sensor\'s (minutes, not seconds), and exempt the sensor endpoints from volume caps and flow classification.',
    source: 'Field failure: connections cut by a path device show as intermittent "Sensor stopped communicating"',
    symptom: 'Sensor stopped communicating (no contact for 5 minutes), intermittently',
  },
};

/** A success whose chain was re-signed by a middlebox: it works, and it is not supported. */
export const INSPECTED_OK: Entry = {
  severity: 'warning',
  title: 'Works, but through SSL inspection (unsupported)',
  explanation:
    'The check succeeded, but the chain the sensor saw was not the cloud\'s: a middlebox re-signed it (SSL inspection). On the sensor\'s full check this means the middlebox also relayed a client certificate the cloud accepted; on a ping check (what a browser shows) it proves nothing about mutual authentication. It works today, but Microsoft does not support inspecting sensor traffic, and a middlebox that stops relaying the client certificate turns it into "Two way SSL connection to service failed".',
  fix: 'Splice or bypass inspection for *.atp.azure.com (at least <workspace>sensorapi.atp.azure.com and the regional sensorapi hosts) on TCP 443, so the sensor talks TLS to the cloud itself.',
  source: SEED_MUTUAL,
  symptom: TWO_WAY + ' (once the middlebox stops relaying the sensor\'s certificate)',
};

/** Added to a failure's explanation when the path went through SSL inspection. */
const INSPECTED_NOTE =
  ' This path went through SSL inspection (the chain was re-signed by a middlebox), which Microsoft does not support for sensor traffic: bypass inspection for *.atp.azure.com first.';

export function remediationFor(code: ProbeCode, opts: { inspected?: boolean } = {}): Remediation {
  if (code === 'OK') return opts.inspected ? { code: 'OK_INSPECTED', ...INSPECTED_OK } : { code, ...REMEDIATIONS.OK };
  const entry = REMEDIATIONS[code];
  // The inspection-specific codes already say so; repeating it would only add noise.
  const alreadyAboutInspection = code === 'INSPECTION_BREAKS_MUTUAL_AUTH';
  if (!opts.inspected || alreadyAboutInspection) return { code, ...entry };
  return { code, ...entry, explanation: entry.explanation + INSPECTED_NOTE };
}

/**
 * The remediation worth showing for one check: its observed outcome when the network needs a
 * change (unreachable, or reachable only through inspection); undefined when the path is clean,
 * e.g. a check that failed only because the scenario expected a failure that did not happen.
 */
export function remediationForCheck(c: Pick<CheckResult, 'observed'>): Remediation | undefined {
  const o = c.observed;
  if (o.reachable && !o.inspected) return undefined;
  return remediationFor(o.code, { inspected: o.inspected });
}
