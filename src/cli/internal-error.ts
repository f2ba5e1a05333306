/**
 * How the CLI reports a bug in itself (exit 3): one line that names it as the tool's fault,
 * with the message and a request to report it; the stack only with ATPNL_DEBUG=1.
 */
import { AtpNetlabError, isAtpNetlabError } from '../errors.js';

/** A bug in the tool, in one line (the stack follows only with ATPNL_DEBUG=1). */
export function internalErrorLine(e: unknown, env: NodeJS.ProcessEnv): string {
  const err = isAtpNetlabError(e) ? e : new AtpNetlabError('ATPNL_INTERNAL', e instanceof Error ? `${e.name}: ${e.message}` : String(e), {}, { cause: e });
  const line = `atp-netlab: internal error (a bug in atp-netlab, not your network or input): ${err.describe()}; please report it with this line and the command you ran (set ATPNL_DEBUG=1 for details)\n`;
  if (env['ATPNL_DEBUG'] !== '1') return line;
  const cause = (err as Error & { cause?: unknown }).cause;
  const stack = cause instanceof Error ? cause.stack : err.stack;
  return line + (stack ? stack + '\n' : '');
}
