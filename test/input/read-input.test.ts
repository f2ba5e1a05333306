/**
 * The bounded input reader against real special files: a FIFO with no writer (would block
 * forever), /dev/zero (would grow memory without end), /proc files (regular files whose size
 * lies), symlinks out of the root, and files over the cap.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { AtpNetlabError } from '../../src/errors.js';
import { INPUT_CAPS, readInputFile, readInputStream, readInputTail, resolveInsideRoots } from '../../src/input/read-input.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atp-read-input-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function errorOf(p: Promise<unknown>): Promise<AtpNetlabError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AtpNetlabError);
    return e as AtpNetlabError;
  }
  throw new Error('expected an error');
}

describe('readInputFile', () => {
  it('reads a regular file', async () => {
    const f = path.join(dir, 'a.reg');
    fs.writeFileSync(f, 'Windows Registry Editor Version 5.00\r\n');
    expect((await readInputFile(f, 'reg')).toString()).toMatch(/^Windows Registry/);
  });

  it('refuses a FIFO at once instead of blocking until a writer appears', async () => {
    const fifo = path.join(dir, 'pipe.reg');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return expect.fail('mkfifo is needed for this test (coreutils)');
    }
    const started = performance.now();
    const e = await errorOf(readInputFile(fifo, 'reg'));
    expect(e.code).toBe('ATPNL_FILE_NOT_REGULAR');
    expect(e.message).toMatch(/FIFO/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('refuses /dev/zero (a device) without reading it', async () => {
    const e = await errorOf(readInputFile('/dev/zero', 'reg'));
    expect(e.code).toBe('ATPNL_FILE_NOT_REGULAR');
    expect(e.message).toMatch(/character device/);
  });

  it('refuses /proc files, whose size says 0 but which hold the environment', async () => {
    const e = await errorOf(readInputFile('/proc/self/environ', 'reg'));
    expect(e.code).toBe('ATPNL_FILE_NOT_REGULAR');
    expect(e.message).not.toMatch(/PATH=/);
  });

  it('refuses a file over the cap, naming the limit, and reads no more than cap+1 bytes of a growing one', async () => {
    const f = path.join(dir, 'big.yaml');
    fs.writeFileSync(f, Buffer.alloc(INPUT_CAPS.scenario.maxBytes + 1, 0x61));
    const e = await errorOf(readInputFile(f, 'scenario'));
    expect(e.code).toBe('ATPNL_FILE_TOO_LARGE');
    expect(e.message).toMatch(/1 MiB limit/);
    const small = await errorOf(readInputFile(f, 'scenario', { maxBytes: 10 }));
    expect(small.message).toMatch(/10 bytes limit/);
  });

  it('a folder and a missing file are input errors with the path', async () => {
    expect((await errorOf(readInputFile(dir, 'reg'))).code).toBe('ATPNL_FILE_NOT_REGULAR');
    const missing = await errorOf(readInputFile(path.join(dir, 'nope.reg'), 'reg'));
    expect(missing.code).toBe('ATPNL_FILE_NOT_FOUND');
    expect(missing.location.file).toBe(path.join(dir, 'nope.reg'));
  });
});

describe('readInputTail (an ever-growing log)', () => {
  it('reads only the last maxBytes of a file larger than the cap, and the whole of a smaller one', async () => {
    const f = path.join(dir, 'access.log');
    fs.writeFileSync(f, 'a'.repeat(10_000) + 'END\n');
    const tail = await readInputTail(f, 'proxy-log', { maxBytes: 100 });
    expect(tail).toMatchObject({ skippedBytes: 9_904 });
    expect(tail.bytes.toString()).toBe('a'.repeat(96) + 'END\n');
    expect(await readInputTail(f, 'proxy-log', { maxBytes: 1_000_000 })).toMatchObject({ skippedBytes: 0 });
    expect((await readInputTail(f, 'proxy-log')).bytes.length).toBe(10_004);
  });

  it('refuses what readInputFile refuses: a FIFO, a device, /proc', async () => {
    const fifo = path.join(dir, 'pipe.log');
    execFileSync('mkfifo', [fifo]);
    expect((await errorOf(readInputTail(fifo, 'proxy-log'))).code).toBe('ATPNL_FILE_NOT_REGULAR');
    expect((await errorOf(readInputTail('/dev/zero', 'proxy-log'))).code).toBe('ATPNL_FILE_NOT_REGULAR');
    expect((await errorOf(readInputTail('/proc/self/environ', 'proxy-log'))).code).toBe('ATPNL_FILE_NOT_REGULAR');
    expect((await errorOf(readInputTail(path.join(dir, 'none.log'), 'proxy-log'))).code).toBe('ATPNL_FILE_NOT_FOUND');
  });
});

describe('root containment', () => {
  const root = path.join(dir, 'scenario');
  fs.mkdirSync(path.join(root, 'fixtures'), { recursive: true });
  fs.writeFileSync(path.join(root, 'fixtures', 'ok.reg'), 'x');
  const outside = path.join(dir, 'outside');
  fs.mkdirSync(outside, { recursive: true });
  fs.writeFileSync(path.join(outside, 'secret.reg'), 'TOP SECRET');
  fs.symlinkSync(path.join(outside, 'secret.reg'), path.join(root, 'fixtures', 'link.reg'));
  fs.symlinkSync('/etc', path.join(root, 'etc-link'));

  it('accepts a path inside the scenario folder', async () => {
    expect(await resolveInsideRoots('fixtures/ok.reg', { base: root })).toBe(fs.realpathSync(path.join(root, 'fixtures', 'ok.reg')));
  });

  it.each([['../outside/secret.reg'], ['/etc/passwd'], ['fixtures/link.reg'], ['etc-link/hostname'], ['/proc/self/environ']])('refuses %s, quoting only the token', async (ref) => {
    const e = await errorOf(readInputFile(ref, 'reg', { roots: { base: root }, location: { file: 'x.yaml', line: 3, field: 'host.reg.0' } }));
    expect(['ATPNL_FILE_OUTSIDE_ROOT', 'ATPNL_FILE_NOT_FOUND']).toContain(e.code);
    expect(e.describe()).toMatch(/^x\.yaml:3: field host\.reg\.0: /);
    expect(e.describe()).not.toMatch(/TOP SECRET|root:x:/);
  });

  it('--allow-root lets a named folder in, and only that one', async () => {
    const bytes = await readInputFile(path.join(outside, 'secret.reg'), 'reg', { roots: { base: root, allowRoots: [outside] } });
    expect(bytes.toString()).toBe('TOP SECRET');
    expect((await errorOf(readInputFile('/etc/passwd', 'reg', { roots: { base: root, allowRoots: [outside] } }))).code).toBe('ATPNL_FILE_OUTSIDE_ROOT');
  });
});

describe('readInputStream', () => {
  it('stops reading a stream past the cap', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 65536;
        this.push(Buffer.alloc(65536));
      },
    });
    const e = await errorOf(readInputStream(endless, 'reg', '(stdin)', { maxBytes: 1_000_000 }));
    expect(e.code).toBe('ATPNL_FILE_TOO_LARGE');
    expect(produced).toBeLessThan(2_000_000);
  });
});
