import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { flameProfile, topSelfTime, type CallFrame, type CpuProfile, type CpuProfileNode } from './profile';
import { sourceLocator } from './source-locations';
import { flameGraphSvg } from './svg';

const BUNDLE = 'file:///repo/dist/apps/x/main.js';
const frame = (functionName: string, url = '', lineNumber = -1, columnNumber = -1): CallFrame => ({
  functionName,
  url,
  lineNumber,
  columnNumber,
});
const node = (id: number, callFrame: CallFrame, hitCount: number, children: number[] = []): CpuProfileNode => ({
  id,
  callFrame,
  hitCount,
  children,
});

/**
 * 10,000 samples, half of them idle. Busy: (program) 100, GC 50, and under main: `handle`
 * twice (two nodes that differ only by column: one frame of 3,000 self + 1,000 in `parse`),
 * an event emitter with a long name (846), and `tiny` in a dependency (4: under 0.1%).
 */
const profile: CpuProfile = {
  startTime: 1_000_000,
  endTime: 6_000_000,
  nodes: [
    node(1, frame('(root)'), 0, [2, 3, 4, 5]),
    node(2, frame('(idle)'), 5000),
    node(3, frame('(program)'), 100),
    node(4, frame('(garbage collector)'), 50),
    node(5, frame('main', BUNDLE, 9, 0), 0, [6, 7, 8, 10]),
    node(6, frame('handle', BUNDLE, 19, 4), 2000, [9]),
    node(7, frame('handle', BUNDLE, 19, 30), 1000),
    node(8, frame('processTicksAndRejectionsWithAVeryLongName', 'node:internal/process/task_queues', 66, 0), 846),
    node(9, frame('parse'), 1000),
    node(10, frame('tiny', 'file:///repo/node_modules/dep/index.js', 0, 0), 4),
  ],
};

/** The <g> of the frame whose title starts with `name (` or `name —`. */
const group = (svg: string, name: string) =>
  svg.split('\n').find((l) => l.startsWith(`<g><title>${name} (`) || l.startsWith(`<g><title>${name} —`));
const width = (g: string | undefined) => Number(/<rect [^>]*width="([\d.]+)"/.exec(g ?? '')?.[1]);

describe('flame graph', () => {
  const p = flameProfile(profile);
  const svg = flameGraphSvg(p, { process: 'chat-gateway', rate: 2500 });

  it('merges frames by stack path and leaves idle out of the total', () => {
    expect(p.samples).toBe(10_000);
    expect(p.idleSamples).toBe(5000);
    expect(p.durationS).toBe(5);
    expect(p.root.total).toBe(5000);
    const main = p.root.children.find((c) => c.name === 'main');
    const handle = main?.children.filter((c) => c.name === 'handle');
    expect(handle).toHaveLength(1);
    expect(handle?.[0]).toMatchObject({ self: 3000, total: 4000, category: 'app' });
    expect(p.root.children.map((c) => c.name)).not.toContain('(idle)');
  });

  it('draws each frame as wide as its share of the busy samples, the root across the whole graph', () => {
    const full = width(group(svg, 'all'));
    expect(full).toBe(1180);
    expect(width(group(svg, 'handle'))).toBeCloseTo(full * 0.8, 1);
    expect(width(group(svg, 'parse'))).toBeCloseTo(full * 0.2, 1);
    expect(width(group(svg, '(program)'))).toBeCloseTo(full * 0.02, 1);
  });

  it('titles every frame with its function, place, samples and share', () => {
    expect(group(svg, 'handle')).toContain(
      '<title>handle (/repo/dist/apps/x/main.js:20) — 4,000 samples, 80.00%</title>',
    );
    expect(group(svg, 'all')).toContain('<title>all — 5,000 samples, 100.00%</title>');
    expect(group(svg, '(garbage collector)')).toContain('— 50 samples, 1.00%');
    const rects = svg.match(/<rect [^>]*rx="2"/g) ?? [];
    expect(rects.length).toBe((svg.match(/<title>/g) ?? []).length);
    expect(svg.match(/<g>/g)?.length).toBe(svg.match(/<\/g>/g)?.length);
  });

  it('states idle in the header and draws no idle frame', () => {
    expect(svg).toContain(
      'chat-gateway at 2,500 msg/s: 5.0 s profiled, 10,000 samples, 50.0% of them idle (left out: widths are shares of the 5,000 busy samples)',
    );
    expect(svg).not.toContain('(idle)');
  });

  it('drops frames under 0.1% of the samples and cuts labels to their frame', () => {
    expect(svg).not.toContain('tiny');
    // 846 of 5,000 samples: 199.7 px, room for 29 characters of the 42.
    expect(group(svg, 'processTicksAndRejectionsWithAVeryLongName')).toContain('>processTicksAndRejectionsWi..</text>');
  });

  it('ranks functions by their own samples as a share of the busy ones', () => {
    expect(topSelfTime(p, 3)).toEqual([
      { function: 'handle', where: '/repo/dist/apps/x/main.js:20', category: 'app', samples: 3000, share: 0.6 },
      { function: 'parse', where: undefined, category: 'native', samples: 1000, share: 0.2 },
      {
        function: 'processTicksAndRejectionsWithAVeryLongName',
        where: 'node:internal/process/task_queues:67',
        category: 'node',
        samples: 846,
        share: 0.1692,
      },
    ]);
  });

  it("places our bundle's frames in their sources through the bundle's source map", () => {
    const root = mkdtempSync(join(tmpdir(), 'flame-'));
    const bundle = join(root, 'dist/apps/x/main.js');
    mkdirSync(join(root, 'dist/apps/x'), { recursive: true });
    // Line 1 of the bundle is line 1 of libs/y/src/z.ts, line 2 is line 1 of the app's src/main.ts.
    const sources = ['webpack:///../../libs/y/src/z.ts', 'webpack:///./src/main.ts'];
    writeFileSync(`${bundle}.map`, JSON.stringify({ version: 3, sources, names: [], mappings: 'AAAA;ACAA' }));
    const locate = sourceLocator(root);
    const url = pathToFileURL(bundle).href;
    expect(locate(frame('f', url, 0, 0))).toEqual({ file: 'libs/y/src/z.ts', line: 1 });
    expect(locate(frame('g', url, 1, 0))).toEqual({ file: 'apps/x/src/main.ts', line: 1 });
    expect(locate(frame('h', pathToFileURL(join(root, 'node_modules/dep/index.js')).href, 4, 0))).toEqual({
      file: 'node_modules/dep/index.js',
      line: 5,
    });
    expect(locate(frame('emit', 'node:events', 470, 0))).toEqual({ file: 'node:events', line: 471 });
    expect(locate(frame('(program)'))).toBeUndefined();
  });
});
