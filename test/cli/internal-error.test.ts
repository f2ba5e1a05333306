import { describe, expect, it } from 'vitest';
import { internalErrorLine } from '../../src/cli/internal-error.js';
import { AtpNetlabError } from '../../src/errors.js';

describe('internalErrorLine', () => {
  const bug = new AtpNetlabError('ATPNL_INTERNAL', 'probe check of https://h/: TypeError: x is undefined', {}, { cause: new TypeError('x is undefined') });

  it('is one line naming the tool as the culprit, with the message and the code, asking for a report', () => {
    const line = internalErrorLine(bug, {});
    expect(line.trimEnd().split('\n')).toHaveLength(1);
    expect(line).toMatch(/internal error \(a bug in atp-netlab/);
    expect(line).toContain('TypeError: x is undefined');
    expect(line).toContain('[ATPNL_INTERNAL]');
    expect(line).toMatch(/please report it/);
    expect(line).not.toMatch(/\n\s+at /);
  });

  it('adds the stack with ATPNL_DEBUG=1', () => {
    expect(internalErrorLine(bug, { ATPNL_DEBUG: '1' })).toMatch(/\n\s+at /);
  });

  it('wraps a plain exception the same way', () => {
    expect(internalErrorLine(new RangeError('boom'), {})).toContain('RangeError: boom [ATPNL_INTERNAL]');
  });
});
