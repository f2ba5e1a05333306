/**
 * `probe --proxy-credentials-file FILE`: the identity's proxy credentials from a private file,
 * not from the command line (`--proxy http://user:pass@host` puts the password in `ps` and the
 * shell history; the docker engine's host probe gets them this way).
 *
 *   FILE (mode 0600, at most 4 KiB) ── read-input.ts (ownerOnly) ──▶ `user:password` on one line
 *        ──▶ { username, password }: split at the FIRST colon (RFC 7617: a user-id has no colon,
 *            a password may), one trailing newline (LF or CRLF) and a UTF-8 BOM tolerated
 *
 * The format is curl's `--proxy-user user:password`, so a file is written with
 * `printf '%s\n' 'CONTOSO\admin:secret' > creds && chmod 600 creds`.
 * Errors name the file and what is wrong, never a byte of its contents.
 */
import { AtpNetlabError } from '../errors.js';
import { readInputText } from '../input/read-input.js';

export interface ProxyCredentials {
  username: string;
  password: string;
}

/** The file's text → credentials; `file` only names it in errors. */
export function parseProxyCredentials(text: string, file: string): ProxyCredentials {
  const bad = (why: string) => new AtpNetlabError('ATPNL_USAGE', `${why} (expected one line user:password, e.g. DOMAIN\\user:password)`, { file, field: 'proxy-credentials-file' });
  const body = text.replace(/^\uFEFF/, '').replace(/\r?\n$/, '');
  if (/[\r\n]/.test(body)) throw bad('more than one line');
  // RFC 7617: neither part may hold a control character; a NUL or tab here is a wrong file, not a password.
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(body)) throw bad('a control character');
  const colon = body.indexOf(':');
  if (colon === -1) throw bad(body === '' ? 'empty' : 'no colon between user and password');
  const username = body.slice(0, colon);
  if (username.trim() === '') throw bad('no user name before the colon');
  return { username, password: body.slice(colon + 1) };
}

/** The file's line for these credentials (with its newline), or undefined where the format cannot hold them (a colon in the user name, a control character). */
export function proxyCredentialsLine(c: ProxyCredentials): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (c.username.includes(':') || c.username.trim() === '' || /[\x00-\x1f\x7f]/.test(c.username + c.password)) return undefined;
  return `${c.username}:${c.password}\n`;
}

/** Read and parse a credentials file: refused if group or others may read it (ATPNL_FILE_NOT_PRIVATE). */
export async function readProxyCredentialsFile(file: string): Promise<ProxyCredentials> {
  return parseProxyCredentials(await readInputText(file, 'proxy-credentials', { ownerOnly: true }), file);
}
