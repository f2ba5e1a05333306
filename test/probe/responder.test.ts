/**
 * Who answered inside the TLS session, in real mode (no lab marker): a bumping Squid relays the
 * cloud's ping answer with only its Via added (what Squid 5.7 sent under the docker engine), and
 * that answer is the cloud's; Squid's own answers (Server: squid, X-Squid-Error) stay Squid's.
 */
import { describe, expect, it } from 'vitest';
import type { HttpHead } from '../../src/probe/evidence.js';
import { attributeAnswer } from '../../src/probe/responder.js';

const head = (status: number, body: string, headers: Record<string, string>): HttpHead => ({ status, reason: '', headers, body });
const VIA = { via: '1.1 atp-netlab-squid (squid/5.7)' };
const inspected = { inspected: true, issuer: 'atp-netlab Lab Inspection CA', purpose: 'ping' as const };

describe('attributeAnswer without the lab marker', () => {
  it('a 200 "Ok" with only a Squid Via on a re-signed chain is the cloud, relayed', () => {
    const r = attributeAnswer(head(200, 'Ok', VIA), inspected);
    expect(r.kind).toBe('cloud');
    expect(r.evidence).toMatch(/relayed through atp-netlab Lab Inspection CA/);
  });

  it("Squid's own answer (Server: squid, X-Squid-Error) is still the middlebox", () => {
    const r = attributeAnswer(head(200, 'Ok', { ...VIA, server: 'squid/5.7' }), inspected);
    expect(r.kind).toBe('middlebox');
    expect(attributeAnswer(head(503, '', { ...VIA, 'x-squid-error': 'ERR_CONNECT_FAIL 111' }), inspected).kind).toBe('middlebox');
  });

  it('a relayed answer that is not the ping shape is the middlebox; an auth answer is unknown', () => {
    expect(attributeAnswer(head(403, 'blocked', VIA), inspected).kind).toBe('middlebox');
    expect(attributeAnswer(head(200, 'Ok', VIA), { ...inspected, purpose: 'auth' }).kind).toBe('unknown');
  });

  it('with the lab marker, a Via without the marker is still named by its signature (in-process unchanged)', () => {
    const r = attributeAnswer(head(200, 'Ok', VIA), { ...inspected, cloudMarkerHeader: 'x-atpnl-lab-cloud' });
    expect(r).toMatchObject({ kind: 'middlebox', name: 'squid/5.7' });
  });
});
