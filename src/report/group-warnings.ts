/**
 * Warnings grouped across checks: the same warning on every host (an unreachable revocation
 * host warns on each sensorapi check) is printed once, with the list of where it was seen.
 */
export interface WarningGroup {
  warning: string;
  /** Where it was seen, in first-seen order, without repeats (e.g. `LocalService host`). */
  where: string[];
}

export function groupWarnings(items: { warning: string; where: string }[]): WarningGroup[] {
  const groups = new Map<string, WarningGroup>();
  for (const { warning, where } of items) {
    const g = groups.get(warning) ?? { warning, where: [] };
    if (!g.where.includes(where)) g.where.push(where);
    groups.set(warning, g);
  }
  return [...groups.values()];
}

/** `3 checks: a, b, c` (at most `max` names, then `+N more`). */
export function describeWhere(where: string[], noun: string, max = 4): string {
  const shown = where.slice(0, max).join(', ');
  const more = where.length > max ? ` +${where.length - max} more` : '';
  return `${where.length} ${noun}${where.length === 1 ? '' : 's'}: ${shown}${more}`;
}
