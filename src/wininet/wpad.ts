/**
 * WPAD by DNS (FACTS.md §5): `wpad.<suffix>` for each DNS suffix, then shorter suffixes by
 * dropping the leftmost label, never down to a bare TLD (`wpad.com` would hand the proxy
 * decision to whoever owns that name). DHCP option 252 is not modelled.
 */
export function wpadHostCandidates(dnsSuffixes: readonly string[]): string[] {
  const out: string[] = [];
  for (const suffix of dnsSuffixes) {
    const labels = suffix.trim().replace(/^\.+|\.+$/g, '').toLowerCase().split('.').filter(Boolean);
    for (let i = 0; labels.length - i >= 2; i++) {
      const host = `wpad.${labels.slice(i).join('.')}`;
      if (!out.includes(host)) out.push(host);
    }
  }
  return out;
}

export function wpadUrl(host: string): string {
  return `http://${host}/wpad.dat`;
}
