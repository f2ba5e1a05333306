/**
 * Nothing leaves the machine, even at the caps (issue 12 §3). The built CLI runs a scenario at
 * every component cap at once — 16 proxies, 10 middleboxes, 32 PAC servers, the most cloud
 * hosts, 1,024 DNS records, names the lab does not know — under strace, which records every
 * address the process and its threads hand to the kernel (connect, sendto, sendmsg, bind).
 * A DNS query to a real resolver, a listen on a non-loopback address or a TCP connection out
 * would all show here as a sockaddr outside 127.0.0.0/8 and ::1. The trace is the kernel's
 * account, not the lab's, so it holds whatever the lab believes it did.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { SCENARIO_CAPS as C } from '../../src/lab/kinds/definition-caps.js';
import { TEST_CERTS_DIR } from '../helpers/test-certs.js';

const CLI = path.resolve('dist/cli/main.js');
const strace = spawnSync('strace', ['-V'], { encoding: 'utf8' });
const STRACE_MISSING = strace.status === 0 ? '' : 'strace is not installed (Debian package strace)';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atpnl-no-packet-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function capsScenario(): string {
  const proxies = Array.from({ length: C.proxies }, (_, i) => ({ name: `proxy-${i}`, ...(i < C.proxies - 1 ? { upstream: `proxy-${i + 1}` } : {}) }));
  const middleboxes = Array.from({ length: C.middleboxes }, (_, i) => ({ name: `inspector-${i}`, mode: 'intercept' }));
  const pacServers = Array.from({ length: C.pacServers }, (_, i) => ({
    name: `pac-${i}`,
    // A retired proxy first: its name is unknown to the lab, so WinINET moves on.
    files: { '/proxy.pac': 'function FindProxyForURL(u, h) { return "PROXY retired-proxy.corp.example:8080; PROXY proxy-0.contoso.example:8080"; }' },
  }));
  const records: Record<string, string> = {};
  for (let i = 0; i < C.dnsRecords; i++) records[`alias-${i}.contoso.example`] = i % 2 ? `proxy-${i % C.proxies}` : `127.0.0.${1 + (i % 250)}`;
  return stringify({
    name: 'caps-under-trace',
    description: 'every component cap at once, under a syscall trace',
    workspace: 'contosoATP',
    extraHosts: Array.from({ length: 40 }, (_, i) => `site-${i}.partner.example`),
    network: { firewall: { default: 'allow', rules: [] }, proxies, middleboxes, pacServers, dns: { records } },
    host: {
      identities: {
        LocalService: { proxy: 'proxy-0.contoso.example:8080' },
        LocalSystem: { pac: `http://pac-${C.pacServers - 1}.contoso.example/proxy.pac` },
        NetworkService: { proxy: 'not-a-lab-name.example.com:8080' },
      },
    },
    expect: [
      { identities: ['LocalService', 'LocalSystem'], reachable: true },
      { identities: ['NetworkService'], reachable: false, step: 'dns', code: 'DNS_NOT_FOUND' },
    ],
  });
}

/** Every IPv4/IPv6 sockaddr in the trace that is not loopback. */
function outsideAddresses(trace: string): string[] {
  const bad: string[] = [];
  for (const line of trace.split('\n')) {
    for (const m of line.matchAll(/inet_addr\("([^"]+)"\)/g)) if (!m[1]!.startsWith('127.') && m[1] !== '0.0.0.0') bad.push(line.trim());
    for (const m of line.matchAll(/inet_pton\(AF_INET6, "([^"]+)"/g)) if (!(m[1] === '::1' || m[1]!.startsWith('::ffff:127.') || m[1] === '::')) bad.push(line.trim());
  }
  return bad;
}

describe.skipIf(STRACE_MISSING !== '')(`no packet leaves the machine ${STRACE_MISSING}`, () => {
  it('a scenario at every cap: the kernel sees only loopback addresses, and the lab really ran', () => {
    const file = path.join(dir, 'caps.yaml');
    fs.writeFileSync(file, capsScenario());
    const traceFile = path.join(dir, 'trace.txt');
    const r = spawnSync(
      'strace',
      ['-f', '-qq', '-e', 'trace=connect,sendto,sendmsg,bind', '-o', traceFile, process.execPath, CLI, 'run', file, '--json', '--certs', TEST_CERTS_DIR, '--concurrency', '1'],
      { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
    );
    expect(r.status, r.stderr).toBeLessThanOrEqual(1);
    const report = JSON.parse(r.stdout) as { scenarios: { checks: { identity: string; observed: { code: string } }[] }[] };
    const codes = Object.fromEntries(report.scenarios[0]!.checks.map((c) => [c.identity, c.observed.code]));
    // The lab answered: sixteen hops of chain, a PAC failover, and a name nobody knows.
    expect(codes).toMatchObject({ LocalService: 'OK', LocalSystem: 'OK', NetworkService: 'DNS_NOT_FOUND' });
    const trace = fs.readFileSync(traceFile, 'utf8');
    expect(trace).toMatch(/connect\(\d+, \{sa_family=AF_INET, sin_port=htons\(8080\), sin_addr=inet_addr\("127\./);
    expect(outsideAddresses(trace)).toEqual([]);
  }, 150_000);

  it('one component over the cap is refused before anything binds (exit 2)', () => {
    const file = path.join(dir, 'over.yaml');
    const over = capsScenario().replace('proxies:', `proxies:\n    - name: proxy-extra`);
    fs.writeFileSync(file, over);
    const traceFile = path.join(dir, 'trace-over.txt');
    const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=bind,connect,sendto', '-o', traceFile, process.execPath, CLI, 'run', file, '--certs', TEST_CERTS_DIR], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(/proxies/);
    expect(fs.readFileSync(traceFile, 'utf8')).not.toMatch(/sa_family=AF_INET6?,/);
  }, 90_000);
});

// The helper above must catch what it is for: a trace line with a real resolver's address.
describe('outside-address detection', () => {
  it('flags a DNS query to a real resolver and a non-loopback bind, passes loopback', () => {
    const t = [
      'connect(23, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.2")}, 16) = 0',
      'bind(24, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "fe80::1", &sin6_addr), sin6_scope_id=0}, 28) = 0',
      'connect(25, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.77.3.4")}, 16) = -1 EINPROGRESS',
    ].join('\n');
    expect(outsideAddresses(t)).toHaveLength(2);
  });
});
