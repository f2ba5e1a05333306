/**
 * Which connections a fault's link names: the four links of issue 15 (host→proxy,
 * proxy→middlebox, middlebox→cloud, host→PAC server) by role, by name and by wildcard.
 */
import { describe, expect, it } from 'vitest';
import { HOST_LINK_END, faultsOnLink, unknownLinkEnd, type LinkEnd } from '../../../src/lab/faults/index.js';
import { fault } from './fault-harness.js';

const proxy: LinkEnd = { name: 'corp-proxy', role: 'proxy', type: 'forward-proxy' };
const middlebox: LinkEnd = { name: 'ssl-box', role: 'middlebox', type: 'middlebox' };
const cloud: LinkEnd = { name: 'cloud:contosoatpsensorapi.atp.azure.com', role: 'cloud', type: 'cloud-endpoint' };
const pac: LinkEnd = { name: 'pac-host', role: 'pac', type: 'pac-server' };

describe('fault links', () => {
  const faults = [
    fault({ type: 'reset_peer', name: 'a', link: 'host->proxy' }),
    fault({ type: 'reset_peer', name: 'b', link: 'proxy->middlebox' }),
    fault({ type: 'reset_peer', name: 'c', link: 'middlebox->cloud' }),
    fault({ type: 'reset_peer', name: 'd', link: 'host->pac-server' }),
    fault({ type: 'reset_peer', name: 'e', link: 'corp-proxy->*' }),
  ];
  const on = (from: LinkEnd, to: LinkEnd) => faultsOnLink(faults, from, to).map((f) => f.name);

  it('matches each link by role, kind or name, and only in its own direction of dialling', () => {
    expect(on(HOST_LINK_END, proxy)).toEqual(['a']);
    expect(on(proxy, middlebox)).toEqual(['b', 'e']);
    expect(on(middlebox, cloud)).toEqual(['c']);
    expect(on(HOST_LINK_END, pac)).toEqual(['d']);
    expect(on(proxy, cloud)).toEqual(['e']);
    expect(on(cloud, middlebox)).toEqual([]);
    expect(on(HOST_LINK_END, cloud)).toEqual([]);
  });

  it('an end that names nothing in the lab is reported', () => {
    expect(unknownLinkEnd('host->proxy', [proxy])).toBeUndefined();
    expect(unknownLinkEnd('host->middlebox', [proxy])).toBe('middlebox');
    expect(unknownLinkEnd('squid->cloud', [proxy, cloud])).toBe('squid');
  });
});
