/**
 * Errors of the tool itself (bad input, bad usage, environment problems), with stable string
 * codes. Network outcomes are never errors: they are probe outcomes (see src/probe/outcome.ts).
 *
 * Every code is listed here once, with its meaning, so that callers (and the README) have one
 * place to look. Add new codes to ERROR_CODES; never rename an existing one.
 */
export const ERROR_CODES = {
  ATPNL_USAGE: 'bad command-line usage',
  ATPNL_FILE_NOT_FOUND: 'an input file does not exist or cannot be read',
  ATPNL_SCENARIO_YAML: 'a scenario file is not valid YAML',
  ATPNL_SCENARIO_SCHEMA: 'a scenario file does not match the scenario schema',
  ATPNL_SCENARIO_INVALID: 'a scenario is well-formed but inconsistent (e.g. names an unknown component)',
  ATPNL_CATALOG_UNKNOWN_REGION: 'an unknown region or edition was requested from the catalogue',
  ATPNL_CATALOG_BAD_WORKSPACE: 'a workspace name is not a valid DNS label',
  ATPNL_PKI: 'the lab PKI could not be generated or loaded',
  ATPNL_LAB_BIND: 'a lab component could not bind its loopback address or port',
  ATPNL_LAB_START_FAILED: 'a lab component that is a real program (Squid, mitmdump) did not start or did not listen in time',
  ATPNL_BLOB_TRUNCATED: 'a connection-settings blob ends before a field it declares',
  ATPNL_BLOB_LENGTH: 'a length field in a connection-settings blob runs past the end',
  ATPNL_BLOB_VERSION: 'a connection-settings blob has an unknown version / structure size',
  ATPNL_BLOB_INPUT: 'a connection-settings value could not be parsed from its textual form (hex)',
  ATPNL_BLOB_SUSPICIOUS: 'a connection-settings value decodes but has warnings (odd version, trailer, flags or strings); proxy-copy refuses it without --force',
  ATPNL_REG_PARSE: 'a .reg file could not be parsed',
  ATPNL_CERT_BLOB: 'a serialized certificate (a system certificate store\'s Blob value) is truncated, declares a length past its end, or holds no certificate',
  ATPNL_REG_NOT_FOUND: 'a registry key or value the operation needs is missing',
  ATPNL_PROXY_COPY: 'the proxy-copy procedure failed (it rolled back)',
  ATPNL_PROXY_COPY_VERIFY: 'proxy-copy wrote a value that did not read back byte-identical',
  ATPNL_WINDOWS_ONLY: 'the operation needs Windows (reg.exe)',
  ATPNL_PAC: 'a PAC script could not be compiled',
  ATPNL_INTERNAL: 'a bug in atp-netlab itself (never a network outcome): please report it',
  ATPNL_TRIAGE_INPUT: 'a file given to triage is not a readable text log (binary, or a directory with no logs)',
  ATPNL_FILE_TOO_LARGE: 'an input file is larger than the size cap for its kind (see INPUT_CAPS in src/input/read-input.ts)',
  ATPNL_FILE_NOT_REGULAR: 'an input path is not a regular file (a FIFO, a device, a folder, or a /proc-like special file)',
  ATPNL_FILE_OUTSIDE_ROOT: "a file a scenario names resolves outside the scenario's folder and every --allow-root",
  ATPNL_FILE_NOT_PRIVATE: 'a private key file a scenario names, or a probe --proxy-credentials-file, is readable by group or others (chmod 600 it)',
  ATPNL_SCENARIO_ENCODING: 'a scenario file is not UTF-8 text (UTF-16, invalid UTF-8 bytes, NUL characters)',
  ATPNL_ENVIRONMENT: 'the machine refused an operation (permissions, disk full, read-only file system, missing program); exit code 4',
  ATPNL_PROXY_COPY_JOURNAL: 'an interrupted proxy-copy left a journal that could not be finished or rolled back',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Where in an input the problem is; every field optional, shown in this order. */
export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: number;
  /** Dotted path of the field, e.g. `identities.LocalService.proxy`, or a blob field name. */
  field?: string;
  /** Byte offset, for binary inputs. */
  offset?: number;
}

export class AtpNetlabError extends Error {
  override readonly name = 'AtpNetlabError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly location: ErrorLocation = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** One line a person can act on: `file:line: field: message (CODE)`. */
  describe(): string {
    const { file, line, column, field, offset } = this.location;
    const where = [file, line !== undefined ? String(line) : undefined, column !== undefined ? String(column) : undefined]
      .filter((p) => p !== undefined)
      .join(':');
    const parts = [
      where || undefined,
      field !== undefined ? `field ${field}` : undefined,
      offset !== undefined ? `offset ${offset} (0x${offset.toString(16)})` : undefined,
    ].filter(Boolean);
    return `${parts.length ? parts.join(': ') + ': ' : ''}${this.message} [${this.code}]`;
  }
}

/**
 * Exit codes of the CLI (src/cli/main.ts): 0 ok, 1 expectation/reachability not met, 2 invalid
 * input or usage, 3 internal error (a bug), 4 the environment refused (fix the machine, not the input).
 */
export const EXIT_ENVIRONMENT = 4;
const ENVIRONMENT_CODES: ReadonlySet<ErrorCode> = new Set(['ATPNL_ENVIRONMENT']);

export function exitCodeFor(e: AtpNetlabError): 2 | 4 {
  return ENVIRONMENT_CODES.has(e.code) ? EXIT_ENVIRONMENT : 2;
}

/** errno codes that say "the machine refused", never "the tool is broken". */
const ENVIRONMENT_HINTS: Record<string, string> = {
  EACCES: 'permission denied: check the permissions of that path, or choose a folder you can write',
  EPERM: 'operation not permitted: the file or folder is protected (permissions, immutable attribute); choose another folder or fix its permissions',
  EROFS: 'the file system is read-only: choose a writable folder',
  ENOSPC: 'no space left on the device: free disk space there, or choose another folder',
  EDQUOT: 'disk quota exceeded: free space in your quota, or choose another folder',
  EMFILE: 'too many open files in this process: raise the limit (ulimit -n)',
  ENFILE: 'too many open files on this machine: close programs or raise the system limit',
  EIO: 'the device reported an I/O error: check the disk',
};

export function isEnvironmentErrno(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).code! in ENVIRONMENT_HINTS;
}

/**
 * One line a person can act on for an errno the machine raised, e.g.
 * `cannot write backup /x/y.reg: ENOSPC: no space left on the device: free disk space there...`.
 * Only the path and the errno code are shown, never file contents.
 */
export function environmentError(e: NodeJS.ErrnoException, doing: string, location: ErrorLocation = {}): AtpNetlabError {
  const code = e.code ?? 'UNKNOWN';
  const hint = ENVIRONMENT_HINTS[code] ?? 'the operating system refused the operation';
  const where = e.path ? ` ${e.path}` : '';
  return new AtpNetlabError('ATPNL_ENVIRONMENT', `cannot ${doing}${where}: ${code}: ${hint}`, location, { cause: e });
}

/** Missing third-party program (squid, docker, wine...): exit 4 with what to install. */
export function missingProgramError(program: string, install: string): AtpNetlabError {
  return new AtpNetlabError('ATPNL_ENVIRONMENT', `${program} is not installed or not on PATH: ${install}`);
}

export function isAtpNetlabError(e: unknown): e is AtpNetlabError {
  return e instanceof AtpNetlabError;
}
