import { describe, expect, it } from 'vitest';
import { findConnectionValues, isConnectionsKey, parseRegText } from '../../src/registry/index.js';

const BASE = 'Software\\Microsoft\\Windows\\CurrentVersion';

describe('connection values', () => {
  it('recognises Connections keys in any hive', () => {
    expect(isConnectionsKey(`HKCU\\${BASE}\\Internet Settings\\Connections`)).toBe(true);
    expect(isConnectionsKey(`HKEY_USERS\\S-1-5-19\\${BASE}\\internet settings\\CONNECTIONS`)).toBe(true);
    expect(isConnectionsKey(`HKLM\\${BASE}\\Internet Settings`)).toBe(false);
    expect(isConnectionsKey(`HKLM\\${BASE}\\InternetSetting\\Connections`)).toBe(false);
  });

  it('finds the three values and ignores others', () => {
    const doc = parseRegText(
      [
        'Windows Registry Editor Version 5.00',
        `[HKEY_CURRENT_USER\\${BASE}\\Internet Settings\\Connections]`,
        '"defaultconnectionsettings"=hex:46,00,00,00',
        '"SavedLegacySettings"=hex:46,00,00,00',
        '"Other"=dword:00000001',
        `[HKEY_LOCAL_MACHINE\\${BASE}\\Internet Settings\\Connections]`,
        '"WinHttpSettings"=hex:18,00,00,00',
      ].join('\r\n'),
    );
    const scan = findConnectionValues(doc);
    expect(scan.values.map((v) => [v.name, v.line])).toEqual([
      ['DefaultConnectionSettings', 3],
      ['SavedLegacySettings', 4],
      ['WinHttpSettings', 7],
    ]);
    expect(scan.hints).toEqual([]);
  });

  it('warns about the 2018 misspellings and values in the wrong place or type', () => {
    const doc = parseRegText(
      [
        'Windows Registry Editor Version 5.00',
        `[HKEY_USERS\\S-1-5-18\\${BASE}\\InternetSetting\\Connections]`,
        '"DefaultConnectionSettings"=hex:46,00,00,00',
        `[HKEY_USERS\\S-1-5-19\\${BASE}\\Internet Settings\\Connections]`,
        '"DefaultConnectionSetting"=hex:46,00,00,00',
        '"SavedLegacySettings"="46000000"',
        `[HKEY_CURRENT_USER\\${BASE}\\Internet Settings]`,
        '"DefaultConnectionSettings"=hex:46,00,00,00',
      ].join('\r\n'),
    );
    const scan = findConnectionValues(doc);
    expect(scan.values).toEqual([]);
    expect(scan.hints.map((h) => h.line)).toEqual([3, 5, 6, 8]);
    expect(scan.hints[0]!.message).toMatch(/InternetSetting.*Internet Settings/);
    expect(scan.hints[1]!.message).toMatch(/misspelt.*DefaultConnectionSettings/);
    expect(scan.hints[2]!.message).toMatch(/REG_SZ.*REG_BINARY/);
    expect(scan.hints[3]!.message).toMatch(/only read under/);
  });

  it('names both misspellings when a misspelt value sits under the misspelt key', () => {
    const doc = parseRegText(['REGEDIT4', `[HKEY_CURRENT_USER\\${BASE}\\InternetSetting\\Connections]`, '"DefaultConnectionSetting"=hex:46'].join('\n'));
    const [hint] = findConnectionValues(doc).hints;
    expect(hint!.message).toMatch(/"DefaultConnectionSetting" is misspelt.*also, the key path is misspelt.*InternetSetting/);
  });

  it('follows deletions in file order', () => {
    const k = `HKEY_CURRENT_USER\\${BASE}\\Internet Settings\\Connections`;
    const doc = parseRegText(
      ['REGEDIT4', `[${k}]`, '"DefaultConnectionSettings"=hex:46', `[-HKEY_CURRENT_USER\\${BASE}]`, `[${k}]`, '"SavedLegacySettings"=hex:46', '"SavedLegacySettings"=-'].join('\n'),
    );
    expect(findConnectionValues(doc).values).toEqual([]);
  });
});
