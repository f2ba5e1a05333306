/**
 * The copy as a .reg file an admin can import with regedit or `reg import`: UTF-16LE with
 * BOM and CRLF, as regedit writes. It only sets values; backing up is the admin's step 1
 * (the comments say how), or use the generated .ps1 which does it.
 */
import { shortKeyPath } from '../registry/key-path.js';
import { REGEDIT5_HEADER } from '../registry/reg-file.js';
import { encodeRegText, writeRegText } from '../registry/reg-file-writer.js';
import type { ProxyCopyPlan } from './plan.js';

export function renderProxyCopyRegText(plan: ProxyCopyPlan): string {
  const entries = plan.targets
    .map((t) => ({
      kind: 'key' as const,
      path: t.key,
      values: t.values
        .filter((v) => v.status !== 'same')
        .map((v) => ({ name: v.name, value: { type: 'REG_BINARY' as const, data: plan.source.values.find((s) => s.name === v.name)!.bytes } })),
    }))
    .filter((e) => e.values.length > 0);
  const comments = [
    `; atp-netlab proxy-copy: ${plan.source.identity}'s WinINET settings -> ${plan.targets.map((t) => `${t.identity} (${t.sid})`).join(', ')}`,
    '; Back up first, e.g.:',
    ...plan.targets.map((t) => `;   reg export "${shortKeyPath(t.key)}" backup-${t.sid}.reg /y`),
    entries.length === 0 ? '; Nothing to do: every target already has the source values.' : '; Then: reg import proxy-copy.reg',
    '',
  ];
  const body = writeRegText({ format: 'regedit5', entries });
  // comments go right after the header line; regedit ignores lines starting with ';'
  return body.replace(`${REGEDIT5_HEADER}\r\n\r\n`, `${REGEDIT5_HEADER}\r\n\r\n${comments.join('\r\n')}\r\n`);
}

export function renderProxyCopyReg(plan: ProxyCopyPlan): Uint8Array {
  return encodeRegText(renderProxyCopyRegText(plan), 'regedit5');
}
