/**
 * Kind squid's own checks on a definition: what squid.conf cannot say is refused with the
 * field and the reason, never silently ignored.
 */
import { describe, expect, it } from 'vitest';
import { squidSchema } from '../../src/lab/kinds/squid-kind.js';

describe('kind squid definition', () => {
  const page = { status: 403, body: 'blocked' };

  it('a block page needs when: always (Squid answers a failed cloud side with its own 503)', () => {
    const r = squidSchema.safeParse({ name: 'inspector', mode: 'intercept', blockPage: page });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: ['blockPage', 'when'], message: expect.stringContaining('when: always') });
    expect(squidSchema.safeParse({ name: 'inspector', mode: 'intercept', blockPage: { ...page, when: 'always' } }).success).toBe(true);
  });

  it('a forward proxy with the misreported challenge modes is accepted', () => {
    for (const auth of ['401', '403-with-challenge'] as const) expect(squidSchema.safeParse({ name: 'corp-proxy', auth }).success, auth).toBe(true);
  });
});
