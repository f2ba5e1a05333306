import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public API (src/index.ts)', () => {
  it('exposes the lab, the probe, the scenario runner and the reporters', () => {
    for (const name of ['startLab', 'LabPki', 'checkUrl', 'probeHost', 'runScenarios', 'loadScenarioFile', 'renderJsonReport', 'renderHtmlReport', 'requiredEndpoints']) {
      expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(typeof api.wininet.resolveRoute).toBe('function');
    expect(typeof api.proxyCopy.planProxyCopy).toBe('function');
    expect(Object.keys(api.PROBE_CODES)).toContain('INSPECTION_BREAKS_MUTUAL_AUTH');
  });
});
