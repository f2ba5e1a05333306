import { spawn } from 'node:child_process';
import path from 'node:path';
import { TEST_CERTS_DIR } from './test-certs.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Run the built CLI in a child process; resolves when the process exits by itself. */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.resolve('dist/cli/main.js'), ...args], {
      cwd: opts.cwd ?? process.cwd(),
      env: { ...process.env, ATP_NETLAB_CERTS: TEST_CERTS_DIR, NO_COLOR: '1', ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`atp-netlab ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 60_000} ms (open handles?)\n${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, durationMs: performance.now() - started });
    });
  });
}
