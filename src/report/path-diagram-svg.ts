/**
 * One path as an inline SVG: identity's host → firewall → proxy → middlebox → cloud host.
 * The hop where it broke is red with its code underneath (slate grey when the scenario expected
 * that failure); a success through inspection marks the middlebox amber; hops after a break are
 * grey and dashed (never reached). Each hop shows its address:port when the trace has one.
 * Plain shapes only (no <marker>/<defs> ids), so many diagrams can share one page.
 */
import { escapeMarkup as esc } from './escape-markup.js';
import type { HopStatus, PathHop } from './path-groups.js';

export interface DiagramLabels {
  /** Second line under the host hop, e.g. "as LocalService, LocalSystem". */
  hostSubLabel?: string;
  /** Second line under the cloud hop, e.g. "+3 more hosts". */
  cloudSubLabel?: string;
  /** Main label of the cloud hop (defaults to the hop's label). */
  cloudLabel?: string;
  /** The break was expected (the check passed): draw the broken hop neutral, not red. */
  expectedFailure?: boolean;
}

const KIND_CAPTION: Record<PathHop['kind'], string> = {
  host: 'WINDOWS HOST',
  firewall: 'FIREWALL',
  proxy: 'PROXY',
  middlebox: 'MIDDLEBOX',
  transparent: 'TRANSPARENT PROXY',
  cloud: 'CLOUD',
};

export interface HopStyle {
  stroke: string;
  fill: string;
  text: string;
  dash?: string;
}

/** The diagram's colours, exported so the report's legend draws exactly these. */
export const HOP_STYLE: Record<HopStatus | 'expected', HopStyle> = {
  ok: { stroke: '#2e7d32', fill: '#eef7ee', text: '#1b3d1d' },
  broken: { stroke: '#c62828', fill: '#fdecea', text: '#7f1010' },
  // A failure the scenario expected: solid (it was reached), but neutral slate, not alarm red.
  expected: { stroke: '#546e7a', fill: '#eceff1', text: '#263238' },
  warning: { stroke: '#b26a00', fill: '#fff4e0', text: '#6b3f00' },
  unreached: { stroke: '#9e9e9e', fill: '#f5f5f5', text: '#757575', dash: '5 4' },
};
const STYLE = HOP_STYLE;

// Rough text metrics for the layout (12px sans-serif); the SVG scales down to fit anyway.
const CHAR_PX = 7.5;
const GAP_PX = 46;
const NODE_H = 50;
/** Taller boxes when a hop carries a third line (its address:port). */
const NODE_H_ADDR = 64;
const TOP = 20;

export function renderPathSvg(hops: PathHop[], labels: DiagramLabels = {}): string {
  const nodes = hops.map((h) => {
    const main = h.kind === 'cloud' ? (labels.cloudLabel ?? h.label) : h.label;
    const sub =
      h.kind === 'host' ? labels.hostSubLabel
      : h.kind === 'cloud' ? labels.cloudSubLabel
      : h.status === 'warning' ? 'inspects TLS'
      : undefined;
    const addr = hopAddress(h);
    const width = Math.max(112, Math.max(main.length, sub?.length ?? 0, (addr?.length ?? 0) * 1.05, KIND_CAPTION[h.kind].length) * CHAR_PX + 24);
    return { h, main, sub, addr, width };
  });
  const nodeH = nodes.some((n) => n.addr) ? NODE_H_ADDR : NODE_H;
  let x = 8;
  const placed = nodes.map((n) => {
    const at = x;
    x += n.width + GAP_PX;
    return { ...n, x: at };
  });
  const width = x - GAP_PX + 8;
  const hasCode = hops.some((h) => h.status === 'broken' || h.status === 'warning');
  const height = TOP + nodeH + (hasCode ? 30 : 10);
  const parts: string[] = [];
  const ariaSteps = placed.map((n) => `${n.main}${n.addr ? ` ${n.addr}` : ''} (${n.h.status}${n.h.code && n.h.status === 'broken' ? ` ${n.h.code}` : ''})`).join(' → ');
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="path-svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(ariaSteps)}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif">`,
  );
  const styleOf = (st: HopStatus) => (st === 'broken' && labels.expectedFailure ? STYLE.expected : STYLE[st]);
  placed.forEach((n, i) => {
    const s = styleOf(n.h.status);
    const next = placed[i + 1];
    if (next) {
      // The link into the next hop is grey once the path has stopped.
      const linkStyle = next.h.status === 'unreached' ? STYLE.unreached : STYLE.ok;
      const y = TOP + nodeH / 2;
      const x1 = n.x + n.width + 4;
      const x2 = next.x - 4;
      parts.push(
        `<line x1="${x1}" y1="${y}" x2="${x2 - 8}" y2="${y}" stroke="${linkStyle.stroke}" stroke-width="2"${linkStyle.dash ? ` stroke-dasharray="${linkStyle.dash}"` : ''}/>`,
        `<polygon points="${x2},${y} ${x2 - 9},${y - 5} ${x2 - 9},${y + 5}" fill="${linkStyle.stroke}"/>`,
      );
    }
    const code = n.h.status === 'broken' ? n.h.code : n.h.status === 'warning' ? 'INSPECTED' : undefined;
    const expectedBreak = n.h.status === 'broken' && !!labels.expectedFailure;
    // Lines inside the box: the name, then the sub-label and the address when there are any.
    const lines = [n.sub, n.addr].filter((l) => l !== undefined).length;
    const mainY = lines === 0 ? 30 : lines === 1 ? 21 : 19;
    parts.push(
      `<g class="hop" data-hop-kind="${n.h.kind}" data-hop-status="${n.h.status}"${n.h.code ? ` data-code="${esc(n.h.code)}"` : ''}${n.addr ? ` data-hop-address="${esc(n.addr)}"` : ''}${expectedBreak ? ' data-expected-failure="true"' : ''}>`,
      `<title>${esc(`${KIND_CAPTION[n.h.kind].toLowerCase()}: ${n.main}${n.addr ? ` at ${n.addr}` : ''}${n.sub ? ` (${n.sub})` : ''} — ${expectedBreak ? 'broke here, as the scenario expects' : statusWords(n.h.status)}${n.h.code && n.h.status === 'broken' ? ` (${n.h.code})` : ''}`)}</title>`,
      `<text x="${n.x + n.width / 2}" y="${TOP - 6}" text-anchor="middle" font-size="10" letter-spacing="0.5" fill="#616161">${KIND_CAPTION[n.h.kind]}</text>`,
      `<rect x="${n.x}" y="${TOP}" width="${n.width}" height="${nodeH}" rx="8" fill="${s.fill}" stroke="${s.stroke}" stroke-width="${n.h.status === 'broken' ? 3 : 2}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
      `<text x="${n.x + n.width / 2}" y="${TOP + mainY}" text-anchor="middle" font-size="12" font-weight="600" fill="${s.text}">${esc(n.main)}</text>`,
      n.sub ? `<text x="${n.x + n.width / 2}" y="${TOP + mainY + 17}" text-anchor="middle" font-size="11" fill="${s.text}">${esc(n.sub)}</text>` : '',
      n.addr ? `<text class="hop-address" x="${n.x + n.width / 2}" y="${TOP + mainY + (n.sub ? 33 : 17)}" text-anchor="middle" font-size="11" font-family="ui-monospace, 'DejaVu Sans Mono', monospace" fill="${s.text}">${esc(n.addr)}</text>` : '',
      // Above the box, left of the caption: inside it, the mark would overlap a long name.
      n.h.status === 'broken' ? `<text x="${n.x + 4}" y="${TOP - 5}" font-size="13" font-weight="700" fill="${s.stroke}">✕</text>` : '',
      code ? `<text class="hop-code" x="${n.x + n.width / 2}" y="${TOP + nodeH + 18}" text-anchor="middle" font-size="11" font-weight="700" fill="${s.stroke}">${esc(code)}</text>` : '',
      `</g>`,
    );
  });
  parts.push('</svg>');
  return parts.filter(Boolean).join('');
}

/** `address:port`, the address alone for the host, or undefined when the trace has none. */
export function hopAddress(h: Pick<PathHop, 'address' | 'port'>): string | undefined {
  if (!h.address) return undefined;
  if (h.port === undefined) return h.address;
  return h.address.includes(':') ? `[${h.address}]:${h.port}` : `${h.address}:${h.port}`;
}

function statusWords(s: HopStatus): string {
  return s === 'ok' ? 'passed' : s === 'broken' ? 'broke here' : s === 'warning' ? 'passed through SSL inspection (unsupported)' : 'not reached';
}
