import { describe, expect, it } from 'vitest';
import { MemoryRegistryStore, findConnectionValues, readRegFileBytes, regBinary } from '../../src/registry/index.js';
import { creatableKeys } from '../../src/proxy-copy/render-ps1.js';
import {
  connectionsKey,
  planProxyCopy,
  psQuote,
  renderProxyCopyPs1,
  renderProxyCopyReg,
  renderProxyCopyRegText,
} from '../../src/proxy-copy/index.js';
import { encodeSettings, toHex } from '../../src/wininet/index.js';

const HKCU = connectionsKey('CurrentUser');
const dcs = encodeSettings({ proxy: 'proxy.contoso.com:8080', bypass: '<local>' });
const sls = encodeSettings({ proxy: 'proxy.contoso.com:8080', bypass: '<local>', counter: 2 });
const HKCU_SHORT = "'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections'";
const LS_SHORT = "'HKU\\S-1-5-19\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections'";
const SYS_SHORT = "'HKU\\S-1-5-18\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections'";

async function plan(withSaved: boolean, targets?: MemoryRegistryStore | null) {
  const source = new MemoryRegistryStore();
  source.tree.setValue(HKCU, 'DefaultConnectionSettings', regBinary(dcs));
  if (withSaved) source.tree.setValue(HKCU, 'SavedLegacySettings', regBinary(sls));
  return planProxyCopy(targets === undefined ? source : targets, { sourceStore: source });
}

describe('.reg rendering', () => {
  it('is an importable regedit5 file (UTF-16LE, BOM) with the values for each target', async () => {
    const p = await plan(true, null);
    const bytes = renderProxyCopyReg(p);
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xfe]);
    const doc = readRegFileBytes(bytes);
    const found = findConnectionValues(doc);
    expect(found.hints).toEqual([]);
    expect(found.values.map((v) => [v.key, v.name, toHex(v.bytes)])).toEqual([
      [connectionsKey('LocalService'), 'DefaultConnectionSettings', toHex(dcs)],
      [connectionsKey('LocalService'), 'SavedLegacySettings', toHex(sls)],
      [connectionsKey('LocalSystem'), 'DefaultConnectionSettings', toHex(dcs)],
      [connectionsKey('LocalSystem'), 'SavedLegacySettings', toHex(sls)],
    ]);
    const text = renderProxyCopyRegText(p);
    expect(text.startsWith('Windows Registry Editor Version 5.00\r\n\r\n; atp-netlab proxy-copy')).toBe(true);
    expect(text).toContain(';   reg export "HKU\\S-1-5-19\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections" backup-S-1-5-19.reg /y');
    expect(text).not.toMatch(/InternetSetting\\|DefaultConnectionSetting"/);
  });

  it('leaves out targets that are already identical', async () => {
    const targets = new MemoryRegistryStore();
    targets.tree.setValue(connectionsKey('LocalSystem'), 'DefaultConnectionSettings', regBinary(dcs));
    const doc = readRegFileBytes(renderProxyCopyReg(await plan(false, targets)));
    expect(doc.entries.map((e) => e.path)).toEqual([connectionsKey('LocalService')]);
  });
});

describe('PowerShell rendering', () => {
  it('lists the keys reg add may create, shallowest first, below the loaded hive', () => {
    expect(creatableKeys(connectionsKey('LocalService'))).toEqual([
      'HKEY_USERS\\S-1-5-19\\Software',
      'HKEY_USERS\\S-1-5-19\\Software\\Microsoft',
      'HKEY_USERS\\S-1-5-19\\Software\\Microsoft\\Windows',
      'HKEY_USERS\\S-1-5-19\\Software\\Microsoft\\Windows\\CurrentVersion',
      'HKEY_USERS\\S-1-5-19\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings',
      connectionsKey('LocalService'),
    ]);
    expect(creatableKeys('HKLM\\SOFTWARE\\X')).toEqual(['HKEY_LOCAL_MACHINE\\SOFTWARE', 'HKEY_LOCAL_MACHINE\\SOFTWARE\\X']);
  });

  it('quotes literals for PowerShell', () => {
    expect(psQuote("it's")).toBe("'it''s'");
    expect(psQuote('$env:x `n')).toBe("'$env:x `n'");
  });

  it('emits each command line exactly', async () => {
    const ps1 = renderProxyCopyPs1(await plan(true, null), { generatedAt: new Date(0) });
    const lines = ps1.split('\r\n');
    const expectLine = (l: string) => expect(lines).toContain(l);
    expect(lines[0]).toBe('#Requires -RunAsAdministrator');
    expectLine(`reg.exe compare ${HKCU_SHORT} ${LS_SHORT} /v DefaultConnectionSettings 2>&1 | Out-Null`);
    expectLine(`  reg.exe query ${LS_SHORT} 2>&1 | Out-Null`);
    expectLine(`  reg.exe query ${LS_SHORT} /v SavedLegacySettings 2>&1 | Out-Null`);
    expectLine(`    reg.exe export ${LS_SHORT} $backup /y 2>&1 | Out-Null`);
    expectLine(`  reg.exe add ${LS_SHORT} /v DefaultConnectionSettings /t REG_BINARY /d ${toHex(dcs).toUpperCase()} /f 2>&1 | Out-Null`);
    expectLine(`  reg.exe add ${SYS_SHORT} /v SavedLegacySettings /t REG_BINARY /d ${toHex(sls).toUpperCase()} /f 2>&1 | Out-Null`);
    expectLine(`    $out = reg.exe compare ${HKCU_SHORT} ${SYS_SHORT} /v DefaultConnectionSettings 2>&1`);
    expectLine('    if ($LASTEXITCODE -ne 0) { $ok = $false; Write-Warning (\'LocalSystem (S-1-5-18): DefaultConnectionSettings differs after the write: \' + ($out -join \' \')) }');
    expectLine('      reg.exe import $backup');
    expectLine(`      if (-not $hadDefaultConnectionSettings) { reg.exe delete ${LS_SHORT} /v DefaultConnectionSettings /f }`);
    // a new key: the rollback deletes exactly the keys reg add created (the shallowest missing one)
    expect(lines).not.toContain(`      reg.exe delete ${SYS_SHORT} /f`);
    expectLine(`      if ($createdTop -eq ${SYS_SHORT}) { reg.exe delete ${SYS_SHORT} /f }`);
    expectLine("      if ($createdTop -eq 'HKU\\S-1-5-18\\Software') { reg.exe delete 'HKU\\S-1-5-18\\Software' /f }");
    expectLine("    if ($null -eq $createdTop) { reg.exe query 'HKU\\S-1-5-18\\Software' 2>&1 | Out-Null; if ($LASTEXITCODE -ne 0) { $createdTop = 'HKU\\S-1-5-18\\Software' } }");
    expectLine(
      "    if ($null -eq $createdTop) { reg.exe query 'HKU\\S-1-5-18\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings' 2>&1 | Out-Null; if ($LASTEXITCODE -ne 0) { $createdTop = 'HKU\\S-1-5-18\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings' } }",
    );
    expectLine("$backup = Join-Path -Path $backupDir -ChildPath 'S-1-5-18.reg'");
    expectLine(`if ($null -eq $actual -or (ConvertTo-Hex $actual) -ne '${toHex(dcs)}') {`);
    expect(lines.at(-2)).toBe('exit 0');
  });

  it('per SID, in order: check source, then backup -> write -> verify -> rollback, one SID after the other', async () => {
    const ps1 = renderProxyCopyPs1(await plan(false, null));
    const at = (s: string, from = 0) => {
      const i = ps1.indexOf(s, from);
      expect(i, s).toBeGreaterThanOrEqual(0);
      return i;
    };
    const sourceCheck = at('# 0. the source still holds');
    let from = sourceCheck;
    for (const [label, key] of [
      ['LocalService (S-1-5-19)', LS_SHORT],
      ['LocalSystem (S-1-5-18)', SYS_SHORT],
    ] as const) {
      const header = at(`# ===== ${label} =====`, from);
      const backup = at(`reg.exe export ${key} $backup /y`, header);
      const write = at(`reg.exe add ${key} /v DefaultConnectionSettings /t REG_BINARY`, header);
      const verify = at(`$out = reg.exe compare ${HKCU_SHORT} ${key} /v DefaultConnectionSettings`, header);
      const rollback = at('reg.exe import $backup', header);
      expect(header).toBeGreaterThan(from);
      expect(backup).toBeLessThan(write);
      expect(write).toBeLessThan(verify);
      expect(verify).toBeLessThan(rollback);
      from = rollback;
    }
    // only DefaultConnectionSettings when the source has no SavedLegacySettings
    expect(ps1).not.toContain('SavedLegacySettings /t');
  });
});
