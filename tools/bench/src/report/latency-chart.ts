import type { BenchResults, RunSummary, Step } from '../results';

interface Series {
  name: string;
  color: string;
  dash?: string;
  /** [offered msg/s, latency ms], by offered rate. */
  points: [number, number][];
}

/** Where a figure lands on the chart: linear offered load across, log latency up. */
interface Scale {
  x: (v: number) => number;
  y: (v: number) => number;
  xMax: number;
}

const W = 760;
const H = 420;
const M = { l: 70, r: 20, t: 30, b: 60 };
const Y_MIN = 0.1;
const Y_MAX = 10_000;

/** Latency (log scale) against offered load for Parley and the bare relay, as a standalone SVG. */
export function latencyChart(results: BenchResults, sloMs: number): string {
  const series = seriesOf(results);
  const scale = scaleFor(series);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">End-to-end latency against offered load (1:1 messages, ${results.startedAt.slice(0, 10)})</text>`,
    ...axes(scale),
    ...sloLine(scale, sloMs),
    ...series.flatMap((s, i) => seriesLines(s, i, scale)),
    '</svg>',
  ].join('\n');
}

/** p99 and p50 of Parley and of the bare relay, over the ramp's steps (not warmup or half). */
function seriesOf(results: BenchResults): Series[] {
  const series: Series[] = [];
  const add = (name: string, color: string, run: RunSummary | undefined, pick: (s: Step) => number, dash?: string) => {
    const steps = (run?.steps ?? [])
      .filter((s) => s.phase !== 'half' && s.phase !== 'warmup')
      .sort((a, b) => a.offeredRate - b.offeredRate);
    if (steps.length)
      series.push({ name, color, dash, points: steps.map((s) => [s.offeredRate, Math.max(0.1, pick(s))]) });
  };
  add('Parley e2e p99', '#c0392b', results.parley, (s) => s.e2e.p99Ms);
  add('Parley e2e p50', '#c0392b', results.parley, (s) => s.e2e.p50Ms, '6 4');
  add('bare relay e2e p99', '#2471a3', results.relay, (s) => s.e2e.p99Ms);
  add('bare relay e2e p50', '#2471a3', results.relay, (s) => s.e2e.p50Ms, '6 4');
  return series;
}

function scaleFor(series: Series[]): Scale {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const xMax = Math.max(1000, ...xs) * 1.05;
  const x = (v: number) => M.l + (v / xMax) * (W - M.l - M.r);
  const y = (v: number) =>
    M.t +
    (1 -
      (Math.log10(Math.min(Y_MAX, Math.max(Y_MIN, v))) - Math.log10(Y_MIN)) / (Math.log10(Y_MAX) - Math.log10(Y_MIN))) *
      (H - M.t - M.b);
  return { x, y, xMax };
}

/** Grid lines with their labels: latency decades up the side, thousands of msg/s along the bottom. */
function axes({ x, y, xMax }: Scale): string[] {
  const parts: string[] = [];
  for (const v of [0.1, 1, 10, 100, 1000, 10000]) {
    parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${M.l - 6}" y="${y(v) + 4}" text-anchor="end">${v >= 1 ? v : v.toFixed(1)} ms</text>`);
  }
  const step = xMax > 20000 ? 5000 : xMax > 8000 ? 2000 : 1000;
  for (let v = 0; v <= xMax; v += step) {
    parts.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${M.t}" y2="${H - M.b}" stroke="#eee"/>`);
    parts.push(`<text x="${x(v)}" y="${H - M.b + 16}" text-anchor="middle">${v / 1000}k</text>`);
  }
  parts.push(`<text x="${(W + M.l) / 2}" y="${H - 20}" text-anchor="middle">offered load (messages/s)</text>`);
  return parts;
}

function sloLine({ y }: Scale, sloMs: number): string[] {
  return [
    `<line x1="${M.l}" x2="${W - M.r}" y1="${y(sloMs)}" y2="${y(sloMs)}" stroke="#555" stroke-dasharray="2 3"/>`,
    `<text x="${W - M.r - 4}" y="${y(sloMs) - 4}" text-anchor="end" fill="#555">SLO p99 ${sloMs} ms</text>`,
  ];
}

/** One series: its line, a dot per step, and its legend entry (the i-th, top left). */
function seriesLines(s: Series, i: number, { x, y }: Scale): string[] {
  const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
  const d = s.points.map((p, k) => `${k ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
  const ly = M.t + 14 + i * 16;
  return [
    `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`,
    ...s.points.map((p) => `<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="2.5" fill="${s.color}"/>`),
    `<line x1="${M.l + 10}" x2="${M.l + 40}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${dash}/>`,
    `<text x="${M.l + 46}" y="${ly}">${s.name}</text>`,
  ];
}
