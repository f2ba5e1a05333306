/**
 * Escaping for text that reaches HTML or SVG. Scenario names, descriptions, details and host
 * names are user data: every one goes through here before it is written into markup, both as
 * element text and as attribute values (so the quotes are escaped too).
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeMarkup(s: string | number | boolean): string {
  return String(s).replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);
}
