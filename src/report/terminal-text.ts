/**
 * Colour and width for text written to a terminal or a CI log.
 *
 * Colour: node:util `styleText` (no dependency). On Node 20.20, 22 and 24 it checks the
 * stream itself: colour on a TTY, none when piped, FORCE_COLOR forces it (even when piped)
 * and NO_COLOR / NODE_DISABLE_COLORS turn it off; FORCE_COLOR wins when both are set (Node
 * warns once). So whether to colour is Node's own decision (`colourFor`), and rendering then
 * styles unconditionally (`validateStream: false`) so a report can be rendered to a string
 * in tests with colour on or off. Where `styleText` is missing (Node < 20.12) there is no colour.
 *
 * Width: rows are cut to the width with an ellipsis, never wrapped; ANSI sequences do not
 * count and are kept (the reset is re-added after a cut).
 */
import * as util from 'node:util';

export type Style = 'red' | 'green' | 'yellow' | 'dim' | 'bold';

type StyleText = (format: Style, text: string, options?: { validateStream?: boolean; stream?: NodeJS.WritableStream }) => string;
const styleText = (util as { styleText?: StyleText }).styleText;

/** True when Node would colour text written to `stream` (TTY, FORCE_COLOR, NO_COLOR honoured). */
export function colourFor(stream: NodeJS.WritableStream): boolean {
  if (!styleText) return false;
  try {
    return styleText('red', 'x', { stream }) !== 'x';
  } catch {
    // An older styleText without the stream option: fall back to the TTY and the variables.
    const env = process.env;
    if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
    return !env.NO_COLOR && !env.NODE_DISABLE_COLORS && !!(stream as { isTTY?: boolean }).isTTY;
  }
}

export type Paint = (style: Style, text: string) => string;

export function painter(colour: boolean): Paint {
  if (!colour || !styleText) return (_s, text) => text;
  return (style, text) => styleText(style, text, { validateStream: false });
}

/**
 * Columns available on `stream`: the terminal's width on a TTY; otherwise `COLUMNS` when set
 * (shells export it; tests use it), else 100, a width every CI log viewer shows unwrapped.
 */
export function columnsFor(stream: NodeJS.WritableStream): number {
  const tty = (stream as { isTTY?: boolean; columns?: number }).isTTY ? (stream as { columns?: number }).columns : undefined;
  const env = Number(process.env.COLUMNS);
  const cols = tty ?? (Number.isInteger(env) && env > 0 ? env : 100);
  return Math.max(40, cols);
}

// eslint-disable-next-line no-control-regex -- ANSI colour sequences start with ESC by definition
const ANSI = /\x1b\[[0-9;]*m/g;

export function visibleLength(s: string): number {
  return [...s.replace(ANSI, '')].length;
}

/** `s` cut to `width` visible characters, the last being `…` when anything was cut. */
export function truncate(s: string, width: number): string {
  if (visibleLength(s) <= width) return s;
  let out = '';
  let seen = 0;
  let coloured = false;
  // Walk escape sequences and characters; keep every escape, count only characters.
  // eslint-disable-next-line no-control-regex -- ANSI colour sequences start with ESC by definition
  for (const m of s.matchAll(/(\x1b\[[0-9;]*m)|([\s\S])/gu)) {
    if (m[1]) {
      out += m[1];
      coloured = true;
      continue;
    }
    if (seen === width - 1) break;
    out += m[2];
    seen++;
  }
  return `${out}…${coloured ? '\x1b[0m' : ''}`;
}

/**
 * Prose (a fix, a detail) laid out within `width`: broken at spaces, each further line
 * indented like the first. A cut fix is no fix, so prose is wrapped by us, inside the
 * width, where table rows are cut; the terminal never wraps either. Plain text only.
 */
export function wrapProse(s: string, width: number): string[] {
  const indent = /^ */.exec(s)![0];
  const words = s.slice(indent.length).split(/ +/);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const next = line ? `${line} ${w}` : w;
    if (indent.length + [...next].length <= width || !line) line = next;
    else {
      lines.push(indent + line);
      line = w;
    }
  }
  if (line) lines.push(indent + line);
  // A single word wider than the width (a long URL) is still cut rather than wrapped.
  return lines.map((l) => truncate(l, width));
}

/** Pads `s` to `width` visible characters. */
export function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - visibleLength(s)));
}

/**
 * Column widths that fit `total` columns: natural widths when they fit, else the widest
 * column shrinks, one character at a time, never below its minimum (`min[i]`), until the row
 * fits or nothing can shrink (the row is then cut at the end).
 */
export function fitColumns(natural: number[], total: number, gap: number, min: number[] = []): number[] {
  const widths = [...natural];
  const floor = (i: number) => Math.min(natural[i]!, min[i] ?? 8);
  const sum = () => widths.reduce((a, b) => a + b, 0) + gap * (widths.length - 1);
  while (sum() > total) {
    let widest = -1;
    for (const [i, w] of widths.entries()) if (w > floor(i) && (widest < 0 || w > widths[widest]!)) widest = i;
    if (widest < 0) break;
    widths[widest]!--;
  }
  return widths;
}
