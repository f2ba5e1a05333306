import { describe, expect, it } from 'vitest';
import {
  MDE_STANDARD,
  MDE_STREAMLINED,
  PING_ANSWERS,
  SENSOR_GENERATIONS,
  SENSOR_GENERATION_IDS,
  SOURCES,
  citeSource,
  classifyPingAnswer,
  mdeEndpoints,
  parseSensorGeneration,
  pingAnswersFor,
  renderAllowlist,
} from '../../src/catalog/index.js';

describe('sensor generations', () => {
  it('lists v2-wininet, v2 and v3, each with at least one readable source', () => {
    expect(SENSOR_GENERATION_IDS).toEqual(['v2-wininet', 'v2', 'v3']);
    for (const id of SENSOR_GENERATION_IDS) {
      const g = SENSOR_GENERATIONS[id];
      expect(g.id).toBe(id);
      expect(g.sources.length).toBeGreaterThan(0);
      for (const s of g.sources) expect(SOURCES[s.key]).toBeDefined();
    }
  });
  it('v2 takes the sensor\'s own proxy before WinINET; v3 uses WinHTTP as LocalSystem and refuses proxy user auth', () => {
    expect(SENSOR_GENERATIONS.v2.proxySources[0]).toBe('sensor-config');
    expect(SENSOR_GENERATIONS.v2.proxySources.indexOf('sensor-config')).toBeLessThan(SENSOR_GENERATIONS.v2.proxySources.indexOf('wininet'));
    expect(SENSOR_GENERATIONS['v2-wininet'].proxySources).not.toContain('sensor-config');
    expect(SENSOR_GENERATIONS.v3.identities).toEqual(['LocalSystem']);
    expect(SENSOR_GENERATIONS.v3.proxySources).not.toContain('wininet');
    expect(SENSOR_GENERATIONS.v3.proxyUserAuth).toBe('unsupported');
    expect(SENSOR_GENERATIONS.v2.proxyUserAuth).toBe('sensor-holds-credentials');
  });
  it('parses generation names and rejects others', () => {
    expect(parseSensorGeneration('v3')).toBe('v3');
    expect(parseSensorGeneration('v4')).toBeUndefined();
  });
  it('cites a source by path, commit and ms.date', () => {
    expect(citeSource('mdiKnownIssues', 'x')).toBe('MicrosoftDocs/defender-docs/defender-for-identity/troubleshooting-known-issues.md@00758298344b (ms.date 02/04/2026) § x');
  });
});

describe('ping answers by era', () => {
  it('accepts 503, 200 Ok and 200 with a version number on the v2 path', () => {
    expect(classifyPingAnswer('v2', '/tri/sensor/api/ping', 503, 'The service is unavailable')?.id).toBe('legacy-503');
    expect(classifyPingAnswer('v2', '/tri/sensor/api/ping', 200, 'Ok')?.id).toBe('ok-200');
    expect(classifyPingAnswer('v2-wininet', '/tri/sensor/api/ping', 200, '2.251.19142.29040\r\n')?.id).toBe('version-200');
  });
  it('rejects other answers: a proxy\'s 200 block page, 500 on the v2 path, a v2 answer for v3', () => {
    expect(classifyPingAnswer('v2', '/tri/sensor/api/ping', 200, '<html>Access denied by policy</html>')).toBeUndefined();
    expect(classifyPingAnswer('v2', '/tri/sensor/api/ping', 500, '')).toBeUndefined();
    expect(classifyPingAnswer('v3', '/tri/sensor/api/ping', 200, 'Ok')).toBeUndefined();
    expect(classifyPingAnswer('v2', '/tri/sensor/api/ping', 200, '2.x')).toBeUndefined();
  });
  it('v3: 500 on /cnc/identity/api, marked unverified (no readable source states it)', () => {
    const a = classifyPingAnswer('v3', '/cnc/identity/api', 500, 'Internal Server Error');
    expect(a?.id).toBe('v3-cnc-500');
    expect(a?.verified).toBe(false);
    expect(PING_ANSWERS.filter((x) => !x.verified).map((x) => x.id)).toEqual(['v3-cnc-500']);
    expect(pingAnswersFor('v3').map((x) => x.id)).toEqual(['v3-cnc-500']);
  });
});

describe('v3 endpoint sets (MDE)', () => {
  it('streamlined: the wildcard plus the four certificate-validation entries on port 80', () => {
    expect(MDE_STREAMLINED.filter((e) => e.port === 443).map((e) => e.host)).toEqual(['*.endpoint.security.microsoft.com']);
    expect(MDE_STREAMLINED.filter((e) => e.port === 80).map((e) => `${e.host}${e.path ?? ''}`)).toEqual([
      'crl.microsoft.com', 'ctldl.windowsupdate.com', 'www.microsoft.com/pkiops/*', 'www.microsoft.com/pki/*',
    ]);
  });
  it('standard: common rows plus one geography\'s command-and-control and cyber-data hosts', () => {
    const eu = mdeEndpoints('standard', 'europe').map((e) => e.host);
    expect(eu).toContain('winatp-gw-weu.microsoft.com');
    expect(eu).toContain('eu-v20.events.data.microsoft.com');
    expect(eu).toContain('crl.microsoft.com');
    expect(eu).not.toContain('winatp-gw-cus.microsoft.com');
    expect(mdeEndpoints('standard').length).toBe(MDE_STANDARD.length);
    expect(MDE_STANDARD.every((e) => e.port === 80 || e.port === 443)).toBe(true);
  });
  it('renders the wildcard as shExpMatch in PAC and as a leading-dot domain for Squid', () => {
    const pac = renderAllowlist(mdeEndpoints('streamlined'), 'pac', { proxy: 'p:8080' });
    expect(pac).toContain('shExpMatch(host, "*.endpoint.security.microsoft.com")');
    expect(pac).not.toContain('host == "*.endpoint');
    expect(renderAllowlist(mdeEndpoints('streamlined'), 'squid')).toContain('acl atp_sensor_tls dstdomain .endpoint.security.microsoft.com');
  });
});
