/**
 * Host patterns as scenarios, allowlists and firewall rules write them: an exact name, a
 * `*.suffix` wildcard (the suffix itself does not match), or `*` for everything.
 * Case-insensitive, linear in the name's length.
 */
export function matchesPattern(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  if (p === '*') return true;
  if (p.startsWith('*.')) return n.endsWith(p.slice(1)) && n.length > p.length - 1;
  return p === n;
}
