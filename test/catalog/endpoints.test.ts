import { describe, expect, it } from 'vitest';
import { parseRegion, renderAllowlist, requiredEndpoints, SEED_2018, TABLE_2020, workspaceEndpoints } from '../../src/catalog/index.js';
import { AtpNetlabError } from '../../src/errors.js';

describe('catalogue', () => {
  it("holds the seed's six regional hosts on 443, US labelled FR in the French edition", () => {
    expect(SEED_2018).toHaveLength(6);
    expect(SEED_2018.every((e) => e.port === 443 && e.edition === 'seed-2018' && e.host.endsWith('.atp.azure.com'))).toBe(true);
    expect(SEED_2018.filter((e) => e.region === 'us').map((e) => e.host)).toEqual([
      'triprd1wcusw1sensorapi.atp.azure.com',
      'triprd1wcuswb1sensorapi.atp.azure.com',
      'triprd1wcuse1sensorapi.atp.azure.com',
    ]);
    expect(SEED_2018.find((e) => e.region === 'us')!.note).toMatch(/FR/);
  });
  it('holds the 2020 table with UK and GCC High', () => {
    expect(TABLE_2020.find((e) => e.region === 'uk')!.host).toBe('triprd1wcuks2sensorapi.atp.azure.com');
    expect(TABLE_2020.find((e) => e.region === 'us-gcc-high')!.host).toBe('triff1wcva2sensorapi.atp.azure.us');
  });
  it('derives workspace names per cloud', () => {
    expect(workspaceEndpoints('contosoATP').map((e) => e.host)).toEqual(['contosoatpsensorapi.atp.azure.com', 'contosoatp.atp.azure.com']);
    expect(workspaceEndpoints('contosoATP', 'gcc-high')[0]!.host).toBe('contosoatpsensorapi.atp.azure.us');
    expect(workspaceEndpoints('contosoATP', 'gcc')[0]!.host).toBe('contosoatpsensorapi.gcc.atp.azure.com');
    expect(() => workspaceEndpoints('bad_name!')).toThrow(AtpNetlabError);
  });
  it('builds an allowlist for a region and workspace', () => {
    const eu = requiredEndpoints({ region: 'europe', workspace: 'contosoATP', editions: ['seed-2018', 'workspace'] });
    expect(eu.map((e) => e.host)).toEqual([
      'triprd1wceun1sensorapi.atp.azure.com',
      'triprd1wceuw1sensorapi.atp.azure.com',
      'contosoatpsensorapi.atp.azure.com',
      'contosoatp.atp.azure.com',
    ]);
    expect(requiredEndpoints({ workspace: 'x', includeRevocation: true }).some((e) => e.host === 'crl.microsoft.com')).toBe(true);
  });
  it('parses region aliases and rejects unknown ones', () => {
    expect(parseRegion('FR')).toBe('us');
    expect(parseRegion('Europe')).toBe('europe');
    expect(() => parseRegion('mars')).toThrow(/unknown region/);
  });
  it('renders list, csv, pac and squid formats', () => {
    const eps = requiredEndpoints({ region: 'asia', editions: ['seed-2018'] });
    expect(renderAllowlist(eps, 'list')).toBe('triprd1wcasse1sensorapi.atp.azure.com:443\n');
    expect(renderAllowlist(eps, 'csv').split('\n')[0]).toBe('host,port,role,edition,region,path');
    expect(renderAllowlist(eps, 'squid')).toContain('acl atp_sensor_tls dstdomain triprd1wcasse1sensorapi.atp.azure.com');
    const pac = renderAllowlist(eps, 'pac', { proxy: 'p:3128' });
    const FindProxyForURL = new Function(`${pac}; return FindProxyForURL;`)() as (u: string, h: string) => string;
    expect(FindProxyForURL('https://x/', 'triprd1wcasse1sensorapi.atp.azure.com')).toBe('PROXY p:3128');
    expect(FindProxyForURL('https://x/', 'example.com')).toBe('DIRECT');
  });
});
