/**
 * Hostile and invalid scenario files through the real CLI: every one is an input error
 * (exit 2) naming file:line before any lab starts, in `run` and `lab up` alike; never exit 1
 * ("expectation not met"), never 3 or a stack trace, never a quote of a file outside the root.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atp-hostile-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const HEAD = `name: hostile
description: A hostile scenario file, written to check that loading it fails cleanly.
expect:
  - reachable: true
`;

function write(name: string, body: string | Buffer): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, body);
  return f;
}

const secret = path.join(dir, '..', `atp-hostile-secret-${process.pid}.reg`);
fs.writeFileSync(secret, 'Windows Registry Editor Version 5.00\r\n\r\n; TOP-SECRET-CONTENT\r\n');
afterAll(() => fs.rmSync(secret, { force: true }));
fs.symlinkSync(secret, path.join(dir, 'link.reg'));
execFileSync('mkfifo', [path.join(dir, 'pipe.reg')]);

const aliasBomb = `${HEAD}x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n${Array.from({ length: 9 }, (_, i) => `x${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`).join('\n')}\n`;
const proxies = (n: number) => `${HEAD}network:\n  proxies:\n${Array.from({ length: n }, (_, i) => `    - name: p${i}\n`).join('')}`;

const CASES: { name: string; body: string | Buffer; code: string; line?: number; message?: RegExp }[] = [
  { name: 'outside-dotdot', body: `${HEAD}host:\n  reg:\n    - ../${path.basename(secret)}\n`, code: 'ATPNL_FILE_OUTSIDE_ROOT', line: 7 },
  { name: 'outside-absolute', body: `${HEAD}host:\n  reg: [/etc/passwd]\n`, code: 'ATPNL_FILE_OUTSIDE_ROOT', line: 6 },
  { name: 'outside-proc', body: `${HEAD}host:\n  reg: [/proc/self/environ]\n`, code: 'ATPNL_FILE_OUTSIDE_ROOT', line: 6 },
  { name: 'outside-symlink', body: `${HEAD}host:\n  reg: [link.reg]\n`, code: 'ATPNL_FILE_OUTSIDE_ROOT', line: 6 },
  { name: 'fixture-fifo', body: `${HEAD}host:\n  reg: [pipe.reg]\n`, code: 'ATPNL_FILE_NOT_REGULAR', line: 6 },
  { name: 'fixture-missing', body: `${HEAD}host:\n  reg: [nope.reg]\n`, code: 'ATPNL_FILE_NOT_FOUND', line: 6 },
  { name: 'alias-bomb', body: aliasBomb, code: 'ATPNL_SCENARIO_YAML', message: /alias/i },
  { name: 'unknown-tag', body: `${HEAD}network: !custom { proxies: [] }\n`, code: 'ATPNL_SCENARIO_YAML', line: 5, message: /tag/i },
  { name: 'invalid-utf8', body: Buffer.concat([Buffer.from('name: hostile\ndescription: "A hostile scenario file with a bad byte '), Buffer.from([0xc3, 0x28]), Buffer.from(' in it, long enough."\nexpect:\n  - reachable: true\n')]), code: 'ATPNL_SCENARIO_ENCODING', line: 2 },
  { name: 'utf16', body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(HEAD, 'utf16le')]), code: 'ATPNL_SCENARIO_ENCODING', line: 1, message: /UTF-16/ },
  { name: 'duplicate-key', body: `${HEAD}name: again\n`, code: 'ATPNL_SCENARIO_YAML', line: 5, message: /duplicate key/ },
  { name: 'unknown-upstream', body: `${HEAD}network:\n  proxies:\n    - name: a\n      upstream: ghost\n`, code: 'ATPNL_SCENARIO_INVALID', line: 8, message: /ghost/ },
  { name: 'chain-loop', body: `${HEAD}network:\n  proxies:\n    - { name: a, upstream: b }\n    - { name: b, upstream: a }\n`, code: 'ATPNL_SCENARIO_INVALID', message: /loops: a → b → a/ },
  { name: 'duplicate-name', body: `${HEAD}network:\n  proxies: [{ name: a }]\n  middleboxes: [{ name: a, mode: none }]\n`, code: 'ATPNL_SCENARIO_INVALID', line: 7, message: /"a" is already used/ },
  { name: 'dns-outside', body: `${HEAD}network:\n  dns:\n    records:\n      evil.example: 8.8.8.8\n`, code: 'ATPNL_SCENARIO_INVALID', line: 8, message: /8\.8\.8\.8/ },
  { name: 'unknown-middlebox', body: `${HEAD}network:\n  transparentProxy: { middlebox: ghost }\n`, code: 'ATPNL_SCENARIO_INVALID', line: 6 },
  { name: 'too-many-proxies', body: proxies(17), code: 'ATPNL_SCENARIO_SCHEMA', message: /16/ },
  { name: 'too-many-extra-hosts', body: `${HEAD}extraHosts: [${Array.from({ length: 65 }, (_, i) => `h${i}.example`).join(', ')}]\n`, code: 'ATPNL_SCENARIO_SCHEMA', line: 5 },
];

describe('hostile scenario files: exit 2 with file:line, before any lab starts', () => {
  it.each(CASES)('run: $name', async (c) => {
    const f = write(`${c.name}.yaml`, c.body);
    const r = await runCli(['run', f], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`[${c.code}]`);
    expect(r.stderr).toContain(c.line !== undefined ? `${f}:${c.line}:` : `${f}:`);
    if (c.message) expect(r.stderr).toMatch(c.message);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error|TOP-SECRET|root:x:0/);
    expect(r.stdout).toBe('');
  });

  it.each(CASES.filter((c) => ['alias-bomb', 'outside-proc', 'dns-outside', 'utf16'].includes(c.name)))('lab up: $name', async (c) => {
    const f = write(`lab-${c.name}.yaml`, c.body);
    const r = await runCli(['lab', 'up', '--scenario', f], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`[${c.code}]`);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
  });

  it('--allow-root lets a fixture outside the scenario folder in', async () => {
    const good = path.join(dir, '..', `atp-hostile-good-${process.pid}`);
    fs.mkdirSync(good, { recursive: true });
    afterAll(() => fs.rmSync(good, { recursive: true, force: true }));
    fs.copyFileSync('scenarios/fixtures/customer-hkcu.reg', path.join(good, 'hkcu.reg'));
    const f = write('allowed.yaml', `${HEAD}host:\n  reg: [${path.join(good, 'hkcu.reg')}]\n`);
    expect((await runCli(['list', f])).code).toBe(2);
    const r = await runCli(['list', f, '--allow-root', good]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('a 50 MB scenario is refused by the cap before parsing, quickly and in little memory', async () => {
    const f = write('huge.yaml', `${HEAD}# ${'x'.repeat(50 * 1024 * 1024)}\n`);
    const r = await runCli(['run', f], { timeoutMs: 10_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/\[ATPNL_FILE_TOO_LARGE\]/);
    expect(r.stderr).toMatch(/1 MiB limit/);
    expect(r.durationMs).toBeLessThan(5_000);
  });

  it('a 32k-entry mapping (about 1 MB) fails on the cap in linear time, not 13 s or more', async () => {
    const lines = [HEAD.trimEnd(), 'network:', '  dns:', '    records:'];
    for (let i = 0; i < 32_000; i++) lines.push(`      h${i}.example: 127.0.0.1`);
    const f = write('wide.yaml', lines.join('\n') + '\n');
    const r = await runCli(['run', f], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/at most 1024 DNS records/);
    expect(r.durationMs).toBeLessThan(8_000);
  });
});
