/**
 * Command lines for reg.exe, as pure functions so they can be tested anywhere. The live
 * Windows store runs them without a shell (argv arrays); `windowsCommandLine` renders the
 * single string Windows passes to reg.exe, for logs and for admins to copy.
 */
import { AtpNetlabError } from '../errors.js';
import { shortKeyPath } from './key-path.js';
import type { RegValue } from './value.js';

function valueSelector(name: string): string[] {
  return name === '' ? ['/ve'] : ['/v', name];
}

export function regQueryArgs(key: string, name?: string): string[] {
  return ['query', shortKeyPath(key), ...(name === undefined ? [] : valueSelector(name))];
}

export function regExportArgs(key: string, file: string): string[] {
  return ['export', shortKeyPath(key), file, '/y'];
}

export function regImportArgs(file: string): string[] {
  return ['import', file];
}

export function regDeleteValueArgs(key: string, name: string): string[] {
  return ['delete', shortKeyPath(key), ...valueSelector(name), '/f'];
}

export function regDeleteKeyArgs(key: string): string[] {
  return ['delete', shortKeyPath(key), '/f'];
}

/** `reg compare A B /v Name`: exit 0 = identical, 2 = different, 1 = error (e.g. missing). */
export function regCompareArgs(keyA: string, keyB: string, name?: string): string[] {
  return ['compare', shortKeyPath(keyA), shortKeyPath(keyB), ...(name === undefined ? [] : valueSelector(name))];
}

/**
 * True when `reg add` can express the value exactly; others go through `reg import`.
 * REG_NONE is not one: `reg add /t REG_NONE /d 4600` stores the text "4600" (UTF-16), not
 * the bytes 46 00 — Wine's reg.exe conformance tests (programs/reg/tests/add.c) assert this of
 * Windows, and the Wine suite checks it against Wine's reg.exe.
 */
export function regAddSupports(value: RegValue): boolean {
  return value.type !== 'REG_UNKNOWN' && value.type !== 'REG_MULTI_SZ' && value.type !== 'REG_NONE';
}

export function regAddArgs(key: string, name: string, value: RegValue): string[] {
  const head = ['add', shortKeyPath(key), ...valueSelector(name), '/t'];
  switch (value.type) {
    case 'REG_BINARY': {
      const hex = Buffer.from(value.data).toString('hex').toUpperCase();
      // reg add rejects `/d ""` for binary types; an empty value is written by leaving /d out.
      return [...head, value.type, ...(hex ? ['/d', hex] : []), '/f'];
    }
    case 'REG_DWORD':
    case 'REG_QWORD':
      return [...head, value.type, '/d', value.data.toString(10), '/f'];
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      return [...head, value.type, '/d', value.data, '/f'];
    default:
      throw new AtpNetlabError('ATPNL_USAGE', `reg add cannot write ${value.type} exactly; use reg import`);
  }
}

/**
 * One argument quoted the way the MSVC runtime (which reg.exe uses) splits command lines:
 * quote when it has spaces/tabs/quotes or is empty; backslashes are literal unless they
 * precede a quote, then they are doubled.
 */
export function quoteWindowsArg(arg: string): string {
  if (arg !== '' && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let backslashes = 0;
  for (const c of arg) {
    if (c === '\\') {
      backslashes++;
      continue;
    }
    if (c === '"') out += '\\'.repeat(backslashes * 2 + 1) + '"';
    else out += '\\'.repeat(backslashes) + c;
    backslashes = 0;
  }
  return out + '\\'.repeat(backslashes * 2) + '"';
}

export function windowsCommandLine(exe: string, args: string[]): string {
  return [exe, ...args].map(quoteWindowsArg).join(' ');
}
