import { fmt } from '../report/format';
import { CATEGORY_LABELS, whereOf, type FlameProfile, type Frame, type FrameCategory } from './profile';

/** What the graph's header says besides the profile's own figures. */
export interface FlameGraphTitle {
  process: string;
  /** Offered messages per second while the profile was taken. */
  rate: number;
}

const WIDTH = 1200;
const PAD = 10;
const FRAME_H = 17;
const FONT = 11;
/** A monospace character at FONT px, for cutting labels to their box. */
const CHAR_W = FONT * 0.6;
/** Frames narrower than this share of the samples are left out (with what they called). */
const MIN_SHARE = 0.001;
const TOP = 66;

/** Hue, saturation, lightness of each category; each function varies it a little so neighbours stay apart. */
const COLOURS: Record<FrameCategory, [number, number, number]> = {
  app: [12, 80, 62],
  dependency: [48, 85, 55],
  node: [110, 45, 58],
  native: [200, 55, 64],
  gc: [280, 45, 68],
  program: [0, 0, 72],
  root: [0, 0, 82],
};

const LEGEND: FrameCategory[] = ['app', 'dependency', 'node', 'native', 'gc', 'program'];

/**
 * A flame graph as one static SVG: the root at the bottom, each frame as wide as its share of
 * the non-idle samples, callees above their callers; hovering a frame shows its <title>.
 */
export function flameGraphSvg(profile: FlameProfile, title: FlameGraphTitle): string {
  const total = Math.max(1, profile.root.total);
  const minSamples = total * MIN_SHARE;
  const placed: { frame: Frame; depth: number; x: number }[] = [];
  const place = (frame: Frame, depth: number, x: number): void => {
    placed.push({ frame, depth, x });
    let cx = x;
    for (const child of [...frame.children].sort(byName)) {
      if (child.total >= minSamples) place(child, depth + 1, cx);
      cx += child.total;
    }
  };
  place(profile.root, 0, 0);
  const maxDepth = Math.max(...placed.map((p) => p.depth));
  const height = TOP + (maxDepth + 1) * FRAME_H + PAD;
  const scale = (WIDTH - 2 * PAD) / total;
  const idle = profile.samples ? profile.idleSamples / profile.samples : 0;
  const header = `${title.process} at ${fmt(title.rate)} msg/s: ${fmt(profile.durationS, 1)} s profiled, ${fmt(profile.samples)} samples, ${fmt(idle * 100, 1)}% of them idle (left out: widths are shares of the ${fmt(profile.root.total)} busy samples)`;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="monospace" font-size="${FONT}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${PAD}" y="22" font-size="14">${escapeXml(header)}</text>`,
    legend(),
  ];
  for (const { frame, depth, x } of placed) {
    const w = frame.total * scale;
    const rx = PAD + x * scale;
    const y = TOP + (maxDepth - depth) * FRAME_H;
    const share = `${fmt((frame.total / total) * 100, 2)}%`;
    const where = whereOf(frame.location);
    const tip = `${frame.name}${where ? ` (${where})` : ''} — ${fmt(frame.total)} samples, ${share}`;
    out.push(
      `<g><title>${escapeXml(tip)}</title><rect x="${r(rx)}" y="${y}" width="${r(w)}" height="${FRAME_H - 1}" rx="2" fill="${colour(frame)}"/>${label(frame.name, rx, y, w)}</g>`,
    );
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

const byName = (a: Frame, b: Frame) =>
  a.name.localeCompare(b.name) || (whereOf(a.location) ?? '').localeCompare(whereOf(b.location) ?? '');

const r = (n: number) => Math.round(n * 100) / 100;

/** The function's name, cut to its frame's width ('..' where cut), or nothing when not even 3 characters fit. */
function label(name: string, x: number, y: number, w: number): string {
  const fits = Math.floor((w - 6) / CHAR_W);
  if (fits < 3) return '';
  const text = name.length <= fits ? name : `${name.slice(0, fits - 2)}..`;
  return `<text x="${r(x + 3)}" y="${y + FRAME_H - 5}" pointer-events="none">${escapeXml(text)}</text>`;
}

function legend(): string {
  let x = PAD;
  const items = LEGEND.map((category) => {
    const text = CATEGORY_LABELS[category];
    const item = `<rect x="${r(x)}" y="34" width="12" height="12" fill="${hsl(COLOURS[category])}"/><text x="${r(x + 16)}" y="44">${escapeXml(text)}</text>`;
    x += 16 + text.length * CHAR_W + 18;
    return item;
  });
  return `<g>${items.join('')}</g>`;
}

function colour(frame: Frame): string {
  const [h, s, l] = COLOURS[frame.category];
  let hash = 0;
  for (const c of frame.name) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return s === 0 ? hsl([h, s, l + (hash % 7) - 3]) : hsl([h + (hash % 17) - 8, s, l + ((hash >> 8) % 9) - 4]);
}

const hsl = ([h, s, l]: [number, number, number]) => `hsl(${h},${s}%,${l}%)`;

export const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
