/**
 * `lab fault add|remove|list` changes a running `lab up` over its control socket: the next
 * check through the lab sees the fault, and sees it gone once removed (issue 15).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sendControl } from '../../src/cli/commands/lab-control.js';
import { registerLabFault } from '../../src/cli/commands/lab-fault.js';
import { startLabForScenario } from '../../src/cli/commands/lab-up.js';
import { TEST_CERTS_DIR } from '../helpers/test-certs.js';

/** The `lab fault` command as the CLI registers it, with what it prints. */
async function cli(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerLabFault(program, () => undefined);
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  try {
    await program.parseAsync(['lab', 'fault', ...args], { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return out.join('');
}

afterEach(() => vi.restoreAllMocks());

describe('lab fault', () => {
  it('adds, lists and removes faults of a running lab; the next check follows', async () => {
    const running = await startLabForScenario('scenarios/proxy-allowlist-ok.yaml', { certs: TEST_CERTS_DIR });
    const sock = running.controlSocket!;
    try {
      expect(path.dirname(sock)).toBe(running.dir);
      expect(fs.statSync(sock).mode & 0o777).toBe(0o600);
      expect(running.summary).toContain(sock);
      const check = running.lab.plan.checks.find((c) => c.identity === 'LocalService')!;
      expect((await running.lab.runCheck(check)).code).toBe('OK');

      expect(await cli('list', '--control', sock)).toBe('no faults on this lab\n');
      const added = await cli('add', '--control', sock, '{ type: reset_after_client_hello, link: proxy->cloud }');
      expect(added).toMatch(/^added reset_after_client_hello_upstream\n/);
      expect(added).toContain('reset_after_client_hello on proxy->cloud upstream: resets the connection right after the ClientHello.');
      const faulted = await running.lab.runCheck(check);
      expect(faulted.code).toBe('TLS_HANDSHAKE_FAILED');
      expect(faulted.detail).toMatch(/fault reset_after_client_hello on proxy->cloud reset a connection during this check/);

      // Checked as a scenario's fault: a second one of the same name, an unknown link end.
      await expect(cli('add', '--control', sock, '{ type: reset_after_client_hello, link: proxy->cloud }')).rejects.toThrow(/already on this lab/);
      await expect(cli('add', '--control', sock, '{ type: latency, link: proxy->nowhere, latencyMs: 5 }')).rejects.toThrow(/"nowhere" is not a component/);
      await expect(cli('add', '--control', sock, '{ type: latency, link: proxy->cloud }')).rejects.toThrow(/latencyMs/);
      expect(JSON.parse(await cli('list', '--control', sock, '--json'))).toEqual([{ type: 'reset_after_client_hello', link: 'proxy->cloud', direction: 'upstream', toxicity: 1 }]);

      expect(await cli('remove', '--control', sock, 'reset_after_client_hello_upstream')).toBe('removed reset_after_client_hello_upstream\nno faults on this lab\n');
      await expect(cli('remove', '--control', sock, 'reset_after_client_hello_upstream')).rejects.toThrow(/no fault named/);
      expect((await running.lab.runCheck(check)).code).toBe('OK');
      // A malformed request gets an answer, and the lab goes on.
      expect(await sendControl(sock, { op: 'nonsense' } as never)).toMatchObject({ ok: false });
    } finally {
      await running.stop();
    }
    expect(fs.existsSync(sock)).toBe(false);
    await expect(cli('list', '--control', sock)).rejects.toThrow(/no lab is running there/);
  }, 60_000);
});
