/**
 * Sans-IO: a proxy's own access log as `probe --proxy-log` reads it. The native lines below
 * are what Squid 5.7 (squid-openssl) wrote with `access_log stdio:... squid` for a deny_info
 * TCP_RESET denial, an ordinary 403, an allowed tunnel, a client that gave up, a readiness
 * check and an IPv6 client; the matcher keeps only the probed host:port inside the window.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInputTail } from '../../src/input/read-input.js';
import type { ConnectEvidence, ProbeEvidence } from '../../src/probe/evidence.js';
import { parseProxyAccessLog } from '../../src/probe/proxy-access-log.js';
import { inAttemptWindow, proxyLogReports, proxyLogWarnings } from '../../src/probe/proxy-log-reports.js';
import { readProxyLogReports } from '../../src/probe/read-proxy-logs.js';
import { verdict } from '../../src/probe/verdict.js';
import { makeTempDir, removeTempDir } from '../../src/temp-dirs.js';

const SQUID_57 = [
  '1796412738.442      0 127.0.0.1 TCP_DENIED/000 0 CONNECT reset.example:443 - HIER_NONE/- -',
  '1796412738.450      0 127.0.0.1 TCP_DENIED/403 3412 CONNECT deny.example:443 - HIER_NONE/- text/html',
  '1796412738.468      4 127.0.0.1 TCP_TUNNEL/200 684 CONNECT ok.example:8443 - HIER_DIRECT/127.0.0.1 -',
  '1796412738.478      0 127.0.0.1 TCP_DENIED/403 3408 GET http://deny.example/ - HIER_NONE/- text/html',
  '1796412741.520   3002 127.0.0.1 NONE_NONE_ABORTED/000 0 GET http://[::1]:8443/ - HIER_NONE/- -',
  '1796412753.071   2001 127.0.0.1 TCP_TUNNEL/200 39 CONNECT ok.example:8443 - HIER_DIRECT/127.0.0.1 -',
  '1796412753.072      0 ::1 TCP_DENIED/000 0 CONNECT reset.example:443 - HIER_NONE/- -',
  '1796413014.238      0 127.0.0.1 NONE_NONE/000 0 - error:transaction-end-before-headers - HIER_NONE/- -',
];

const H = 'contosoatpsensorapi.atp.azure.com';
function ev(connect: Partial<ConnectEvidence>, host = H): ProbeEvidence {
  return {
    url: `https://${host}/tri/sensor/api/ping`,
    host,
    port: 443,
    identity: 'LocalService',
    route: { failed: false, candidates: [{ kind: 'PROXY', host: 'corp-proxy', port: 3128 }], source: 'wininet-static', notes: [] },
    attempts: [{ hop: { kind: 'PROXY', host: 'corp-proxy', port: 3128 }, dns: { name: 'corp-proxy', addresses: ['127.0.0.1'] }, tcp: { port: 3128, address: '127.0.0.1' }, connect: { proxy: 'corp-proxy:3128', target: `${host}:443`, hadCredentials: false, ...connect } }],
    http: [],
    checks: 'ping',
    timings: {},
    durationMs: 3,
  } as ProbeEvidence;
}
const reset = (host = H) => ev({ ending: { kind: 'reset', bytesReceived: 0, message: 'read ECONNRESET' } }, host);

describe('parseProxyAccessLog: Squid native', () => {
  it("reads every line Squid 5.7 wrote: time (the transaction's end), elapsed, client (IPv6 too), result/status, method, host and port", () => {
    const log = parseProxyAccessLog(SQUID_57.join('\n') + '\n');
    expect(log).toMatchObject({ lines: 8, unparsed: 0 });
    expect(log.entries.map((e) => [e.line, e.method, e.target, e.port, e.result, e.status, e.decision])).toEqual([
      [1, 'CONNECT', 'reset.example', 443, 'TCP_DENIED', null, 'denied'],
      [2, 'CONNECT', 'deny.example', 443, 'TCP_DENIED', 403, 'denied'],
      [3, 'CONNECT', 'ok.example', 8443, 'TCP_TUNNEL', 200, 'other'],
      [4, 'GET', 'deny.example', 80, 'TCP_DENIED', 403, 'denied'],
      [5, 'GET', '::1', 8443, 'NONE_NONE_ABORTED', null, 'other'],
      [6, 'CONNECT', 'ok.example', 8443, 'TCP_TUNNEL', 200, 'other'],
      [7, 'CONNECT', 'reset.example', 443, 'TCP_DENIED', null, 'denied'],
      [8, '-', '', 0, 'NONE_NONE', null, 'other'],
    ]);
    expect(log.entries[6]).toMatchObject({ client: '::1', loggedAtMs: 1796412753072, elapsedMs: 0, detail: 'TCP_DENIED/000', format: 'squid' });
    expect(log.entries[5]).toMatchObject({ loggedAtMs: 1796412753071, elapsedMs: 2001 });
  });

  it('counts lines in no known format and names the first; a CRLF copy and a missing final newline still parse', () => {
    const log = parseProxyAccessLog(['garbage', SQUID_57[0], '1796412738.442 x 127.0.0.1 TCP_DENIED/000 0 CONNECT a:443 - HIER_NONE/- -', '', `${SQUID_57[1]}\r`, 'TCP_DENIED/000 CONNECT a:443', SQUID_57[2]].join('\n'));
    expect(log).toMatchObject({ lines: 6, unparsed: 3, firstUnparsedLine: 1, firstUnparsedText: 'garbage' });
    expect(log.entries.map((e) => e.line)).toEqual([2, 5, 7]);
  });

  it("reads the lab's own |-separated format too (a lab rehearsal's Squid)", () => {
    // The second line is the lab's readiness check (connect, close), as the lab's Squid logs it.
    const log = parseProxyAccessLog(`1796412738.442|127.1.0.10|CONNECT|${H}:443|0|TCP_DENIED|ERR_ACCESS_DENIED|-|-|-|-|-\n1796412738.100|127.1.0.2|-|error:transaction-end-before-headers|0|NONE_NONE|-|-|-|-|-|-\n`);
    expect(log).toMatchObject({ lines: 2, unparsed: 0 });
    expect(log.entries[0]).toMatchObject({ format: 'atpnl', target: H, port: 443, status: null, decision: 'denied', detail: 'TCP_DENIED/000 ERR_ACCESS_DENIED' });
  });
});

describe('proxyLogReports: the probed host:port inside the attempt window', () => {
  const line = (t: number, host = H, status = '000') => `${(t / 1000).toFixed(3)}      0 10.0.0.5 TCP_DENIED/${status} 0 CONNECT ${host}:443 - HIER_NONE/- -`;
  const read = (text: string) => ({ file: 'access.log', parsed: parseProxyAccessLog(text), bytesRead: text.length, skippedBytes: 0 });
  const now = 1_796_412_738_000;
  const w = { startMs: now, endMs: now + 50, toleranceMs: 2_000 };

  it('a TCP_DENIED/000 CONNECT of the probed host inside the window is a policy denial; the verdict quotes the line', () => {
    const { reports, checks } = proxyLogReports(reset(), [read(`${line(now - 3_600_000)}\n${line(now + 20)}\n`)], w);
    expect(reports).toEqual([{ source: "the proxy's own log", kind: 'policy-denied', detail: `squid access.log:2: TCP_DENIED/000 CONNECT ${H}:443 (logged ${new Date(now + 20).toISOString()})` }]);
    expect(checks[0]!.match).toMatchObject({ line: 2 });
    const o = verdict({ ...reset(), reports });
    expect(o).toMatchObject({ code: 'PROXY_DENIED', step: 'proxy' });
    expect(o.detail).toContain(`squid access.log:2: TCP_DENIED/000 CONNECT ${H}:443`);
  });

  it('an old denial, another host, a 403 (it would have been answered), or a check that did not end in a reset: nothing', () => {
    expect(proxyLogReports(reset(), [read(line(now - 3_600_000))], w).reports).toEqual([]);
    expect(proxyLogReports(reset(), [read(line(now + 20, 'other.example'))], w).reports).toEqual([]);
    expect(proxyLogReports(reset(), [read(line(now + 20, H, '403'))], w).reports).toEqual([]);
    expect(proxyLogReports(ev({ ending: { kind: 'closed', bytesReceived: 0 } }), [read(line(now + 20))], w).reports).toEqual([]);
  });

  it('the tolerance is for the proxy clock: a line 1.5 s early matches within 2 s, not within 1 s; a long transaction that overlaps the window counts', () => {
    const early = { ...read(line(now - 1_500)).parsed.entries[0]! };
    expect(inAttemptWindow(early, w)).toBe(true);
    expect(inAttemptWindow(early, { ...w, toleranceMs: 1_000 })).toBe(false);
    expect(inAttemptWindow({ ...early, loggedAtMs: now + 60_000, elapsedMs: 59_990 }, { ...w, toleranceMs: 0 })).toBe(true);
  });

  it('warnings say what was searched when nothing matched, and count the bad lines', () => {
    const { checks } = proxyLogReports(reset(), [read(`oops\n${line(now - 3_600_000)}\n`)], w);
    const warnings = proxyLogWarnings(checks, `${H}:443`);
    expect(warnings[0]).toBe('--proxy-log access.log: 1 of 2 line(s) in no known format (Squid native "squid" or the lab\'s), first at line 1');
    expect(warnings[1]).toContain(`no denial without a status (e.g. TCP_DENIED/000) of CONNECT ${H}:443 logged between`);
  });
});

describe('readProxyLogReports: the file read after the attempt, from its end', () => {
  it('an ever-growing log: only its last bytes are read (the cut first line dropped, numbered from the tail); a missing file is reported, not thrown', async () => {
    const dir = await makeTempDir('proxy-log-test');
    try {
      const file = path.join(dir, 'access.log');
      const startMs = Date.now();
      const filler = Array.from({ length: 2_000 }, (_, i) => `${(startMs / 1000 - 7200).toFixed(3)}      0 10.0.0.5 TCP_TUNNEL/200 ${i} CONNECT other.example:443 - HIER_DIRECT/10.0.0.9 -`);
      await fs.writeFile(file, [...filler, `${(startMs / 1000).toFixed(3)}      0 10.0.0.5 TCP_DENIED/000 0 CONNECT ${H}:443 - HIER_NONE/- -`].join('\n') + '\n');
      const tail = await readInputTail(file, 'proxy-log', { maxBytes: 4096 });
      expect(tail.bytes.length).toBe(4096);
      expect(tail.skippedBytes).toBeGreaterThan(0);
      const out = await readProxyLogReports(reset(), [file, path.join(dir, 'missing.log')], { startMs, toleranceMs: 1_000, tailBytes: 4096, waitMs: 0 });
      expect(out.reports).toHaveLength(1);
      expect(out.reports[0]!.detail).toMatch(new RegExp(`^squid ${file} \\(tail\\) line \\d+: TCP_DENIED/000 CONNECT ${H.replace(/\./g, '\\.')}:443`));
      expect(out.checks[0]).toMatchObject({ unparsed: 0, lineNumbersFrom: 'tail', bytesRead: 4096 });
      expect(out.checks[1]).toMatchObject({ file: path.join(dir, 'missing.log'), error: expect.stringContaining('no such file') });
      // Not a reset right after CONNECT: no log is read at all.
      expect(await readProxyLogReports(ev({ ending: { kind: 'closed', bytesReceived: 0 } }), [file], { startMs, toleranceMs: 1_000 })).toEqual({ reports: [], checks: [] });
    } finally {
      await removeTempDir(dir);
    }
  });
});
