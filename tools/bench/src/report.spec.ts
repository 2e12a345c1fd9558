import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBenchConfig } from './bench-config';
import { writeReport } from './report';
import { latencyChart } from './report/latency-chart';
import { renderScaling } from './capacity';
import { beforeAfterSection } from './report/sections/before-after';
import { cpuProfileSection } from './report/sections/cpu-profile';
import { scaleOutSection } from './report/sections/scale-out';
import { scaleOutFigures } from './report/scale-out-figures';
import { targets } from './report/target-rows';
import type { BenchResults, RunSummary, Step } from './results';

const latency = (p50: number, p99: number) => ({
  count: 100,
  meanMs: p50,
  p50Ms: p50,
  p95Ms: p99,
  p99Ms: p99,
  p999Ms: p99,
  maxMs: p99,
});
const step = (rate: number, over: Partial<Step> = {}): Step => ({
  step: 0,
  phase: 'ramp',
  offeredRate: rate,
  durationS: 8,
  sent: rate * 8,
  acked: rate * 8,
  errors: {},
  timeouts: 0,
  deliveries: rate * 8,
  expectedDeliveries: rate * 8,
  duplicates: 0,
  ackedPerSec: rate,
  deliveredMsgsPerSec: rate,
  deliveriesPerSec: rate,
  ack: latency(2, 10),
  e2e: latency(3, 20),
  maxSendLagMs: 1,
  drained: true,
  drainMs: 0,
  cpuSeconds: { 'chat-gateway': 1, loadgen: 1 },
  cpuUsPerMessage: 200,
  machineBusyCores: 1,
  otherCores: 0,
  loadAvg1m: 1,
  meetsSlo: true,
  ...over,
});
const run = (steps: Step[], over: Partial<RunSummary> = {}): RunSummary => ({
  runId: 'r1',
  users: 1000,
  chats: 500,
  connected: 1000,
  connectFailed: 0,
  connectFailures: [],
  connectMs: 100,
  workers: 1,
  steps,
  max: steps[steps.length - 1],
  half: steps[0],
  totals: {
    sent: 10,
    acked: 10,
    delivered: 10,
    expectedDeliveries: 10,
    lost: 0,
    lostDeliveries: 0,
    lostInStore: 0,
    storeChecked: 10,
    duplicates: 0,
    outOfOrder: 0,
    echoes: 0,
    receivedNotAcked: 0,
    errors: {},
    timeouts: 0,
    disconnects: 0,
    lossExamples: [],
  },
  zeroLoss: true,
  ...over,
});

const results = (): BenchResults => ({
  startedAt: '2026-11-29T10:00:00.000Z',
  finishedAt: '2026-11-29T10:10:00.000Z',
  scale: 'full',
  machine: {
    cpu: 'test cpu',
    cores: 2,
    memoryGiB: 24,
    kernel: '6',
    node: 'v20',
    postgres: 'PostgreSQL 15',
    redis: '7',
    nats: 'nats',
    fdLimit: 20000,
  },
  loadAvg: [{ phase: 'start', at: '', load1: 0.1, load5: 0.2, load15: 0.3 }],
  config: {},
  ingest: [
    { mode: 'single-row autocommit', connections: 4, rows: 1, seconds: 1, rowsPerSec: 4000, transactionsPerSec: 4000 },
    { mode: 'unnest batch 100', connections: 4, rows: 1, seconds: 1, rowsPerSec: 80000, transactionsPerSec: 800 },
  ],
  relay: run([step(5000), step(10000)]),
  parley: run([step(2000), step(4000)]),
  store: {
    inFlight: 100,
    itemsPerRequest: 100,
    seconds: 1,
    acked: 1,
    errors: {},
    rowsStored: 1,
    rowsPerSec: 30000,
    meanBatch: 50,
    cpuSeconds: {},
    cpuUsPerRow: 50,
  },
  parleyIdle: {
    sockets: 100,
    heapBeforeBytes: 0,
    heapAfterBytes: 0,
    rssBeforeBytes: 0,
    rssAfterBytes: 0,
    heapPerSocketBytes: 15000,
    rssPerSocketBytes: 30000,
  },
  relayIdle: {
    sockets: 100,
    heapBeforeBytes: 0,
    heapAfterBytes: 0,
    rssBeforeBytes: 0,
    rssAfterBytes: 0,
    heapPerSocketBytes: 10000,
    rssPerSocketBytes: 20000,
  },
  notes: [],
});

describe('bench report', () => {
  it('judges each target from the measured figures', () => {
    const rows = targets(results());
    const met = (prefix: string) => rows.find((r) => r.target.startsWith(prefix))?.met;
    expect(met('Durable 1:1')).toBe(false); // 4,000 < 10,000 and 0.4x < 0.6x the relay
    expect(met('message-store persisted rows/s vs raw')).toBe(false); // 30k < 40k
    expect(met('message-store persisted rows/s vs single')).toBe(false); // 7.5x < 10x
    expect(met('Heap per')).toBe(false); // 15 KB > 1.1x 10 KB
    expect(met('One gateway holds')).toBeUndefined(); // not run
    expect(met('Two gateways')).toBeUndefined(); // phase scaleout not run
    const fast = results();
    const withMax = (run: RunSummary, deliveredMsgsPerSec: number): RunSummary => ({
      ...run,
      max: { ...(run.max as NonNullable<RunSummary['max']>), deliveredMsgsPerSec },
    });
    fast.parley = withMax(fast.parley as RunSummary, 12_000);
    fast.relay = withMax(fast.relay as RunSummary, 16_000);
    expect(targets(fast).find((r) => r.target.startsWith('Durable 1:1'))?.met).toBe(true); // 12,000 and 0.75x
  });

  it('tables the before/after ramps and the best ceiling of each side over the other', () => {
    const r = results();
    expect(beforeAfterSection(r)).toEqual([]); // no BENCH_BASELINE: no section
    r.beforeAfter = {
      baseline: { ref: 'v1', commit: 'a'.repeat(40), title: 'aaaaaaa before' },
      current: { commit: 'b'.repeat(40), title: 'bbbbbbb after', uncommitted: true },
      runs: [
        { side: 'baseline', round: 1, summary: run([step(2000), step(3000)]) },
        { side: 'current', round: 1, summary: run([step(2000), step(2400)]) },
        { side: 'baseline', round: 2, summary: run([step(2000), step(2800)]) },
        { side: 'current', round: 2, summary: run([step(2000), step(3300)]) },
      ],
    };
    const text = beforeAfterSection(r).join('\n');
    expect(text).toContain('Baseline `v1` = aaaaaaa before; this checkout: bbbbbbb after (with uncommitted changes)');
    expect(text).toContain('| 1 | baseline | 3,000 |');
    expect(text).toContain('| 2 | current | 3,300 |');
    expect(text).toContain('**1.10x**'); // best 3,300 over best 3,000
  });

  it('shows where the CPU went in the profiled step, with a link to each flame graph, only in a profiled run', () => {
    const r = results();
    const config = loadBenchConfig(
      { BENCH_OUT: '/repo/docs/benchmarks.md', BENCH_FLAMEGRAPH_DIR: '/repo/docs/flamegraphs' },
      '/repo',
    );
    expect(cpuProfileSection(r, config)).toEqual([]); // no BENCH_CPU_PROF: no section
    const cpuSeconds = { 'chat-gateway': 9, postgres: 6, 'message-store': 4, nats: 2, loadgen: 5 };
    r.maxRateProfile = {
      step: step(4000, { phase: 'fixed', durationS: 10, cpuSeconds }),
      graphs: [
        {
          name: 'chat-gateway',
          cores: 0.9,
          durationS: 10.4,
          samples: 20_800,
          idleShare: 0.12,
          topSelf: [
            { function: 'writev', category: 'native', samples: 900, share: 0.049 },
            {
              function: 'flush',
              where: 'libs/shared/util-batching/src/lib/micro-batcher.ts:67',
              category: 'app',
              samples: 500,
              share: 0.027,
            },
          ],
        },
      ],
    };
    const text = cpuProfileSection(r, config).join('\n');
    expect(text).toContain('### Where the CPU goes at the maximum rate');
    expect(text).toContain('4,000 msg/s offered for 10 s');
    expect(text).toContain(
      'busiest first: chat-gateway 0.90, PostgreSQL 0.60, load generator (client) 0.50, message-store 0.40, NATS 0.20.',
    );
    expect(text).toContain(
      '**chat-gateway**: 0.90 cores; [flame graph](flamegraphs/chat-gateway.svg) of 20,800 samples over 10.4 s, 12.0% of them idle',
    );
    expect(text).toContain('| `writev` |  | V8 builtins and C++ bindings | 4.9% |');
    expect(text).toContain(
      '| `flush` | libs/shared/util-batching/src/lib/micro-batcher.ts:67 | our code (apps/, libs/) | 2.7% |',
    );
  });

  it('fails the zero-loss target when any run lost a message', () => {
    const r = results();
    r.parley = {
      ...(r.parley as RunSummary),
      zeroLoss: false,
      totals: { ...(r.parley as RunSummary).totals, lost: 1 },
    };
    expect(targets(r).find((t) => t.target.startsWith('Zero loss'))?.met).toBe(false);
  });

  it('rewrites only its own section of the document and draws the chart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    const config = loadBenchConfig({ BENCH_OUT: join(dir, 'b.md'), BENCH_CHART_OUT: join(dir, 'c.svg') }, dir);
    writeReport(results(), config);
    const first = readFileSync(config.out, 'utf8');
    expect(first).toContain('### Targets');
    writeFileSync(
      config.out,
      first.replace('# Benchmarks', '# Benchmarks\n\nHand-written analysis.') + '\nMore notes.\n',
    );
    writeReport(results(), config);
    const second = readFileSync(config.out, 'utf8');
    expect(second).toContain('Hand-written analysis.');
    expect(second).toContain('More notes.');
    expect(second.match(/### Targets/g)).toHaveLength(1);
    expect(readFileSync(config.chartOut, 'utf8')).toMatch(/^<svg[\s\S]*Parley e2e p99[\s\S]*<\/svg>$/);
    expect(latencyChart(results(), 100)).toContain('bare relay e2e p99');
    // The capacity model needs runs this synthetic result lacks, and says which.
    expect(readFileSync(join(dir, 'scaling.md'), 'utf8')).toContain('Not computed: this run lacks the group fan-out');
  });

  // fixtures/tiny-run.json: the results of a BENCH_SCALE=tiny run (every phase), plus a note and a
  // message-store error so that those lines render too. The snapshot holds the documents byte for byte.
  it('renders the same documents and chart from a saved run', () => {
    const saved = JSON.parse(readFileSync(join(__dirname, 'fixtures/tiny-run.json'), 'utf8')) as BenchResults;
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    const config = loadBenchConfig(
      { BENCH_SCALE: 'tiny', BENCH_OUT: join(dir, 'benchmarks.md'), BENCH_CHART_OUT: join(dir, 'chart.svg') },
      dir,
    );
    writeReport(saved, config);
    expect(readFileSync(config.out, 'utf8')).toMatchSnapshot('benchmarks.md');
    expect(readFileSync(config.scalingOut, 'utf8')).toMatchSnapshot('scaling.md');
    expect(readFileSync(config.chartOut, 'utf8')).toMatchSnapshot('chart.svg');
  });
});

// fixtures/tiny-scale-out.json: the scaleOut result of a BENCH_SCALE=tiny run of phases parley and scaleout.
describe('bench report: scale-out', () => {
  const saved = () => JSON.parse(readFileSync(join(__dirname, 'fixtures/tiny-run.json'), 'utf8')) as BenchResults;
  const withScaleOut = (): BenchResults => ({
    ...saved(),
    ...(JSON.parse(readFileSync(join(__dirname, 'fixtures/tiny-scale-out.json'), 'utf8')) as Pick<
      BenchResults,
      'scaleOut'
    >),
  });
  const row = (r: BenchResults) => targets(r).find((t) => t.target.startsWith('Two gateways'));
  const config = loadBenchConfig({ BENCH_SCALE: 'tiny' }, '/tmp');

  it('judges two of each against one of each by delivered messages per server CPU-second', () => {
    // 1+1 (tiny-run.json): 5,609.8 µs/msg = 178 msg per CPU-s; 2+2: 8,933.5 µs/msg = 112.
    expect(row(withScaleOut())).toMatchObject({
      measured:
        '2+2: 112 msg per CPU-s (80 msg/s at 8,934 µs/msg) vs 1+1: 178 msg per CPU-s (80 msg/s at 5,610 µs/msg) = 0.63x' +
        '; at one rate (80 msg/s): 11,766 vs 5,696 µs/msg = 0.48x',
      met: false,
    });
    const r = results(); // 1+1 at 200 µs/msg
    const at = (cpuUsPerMessage: number): BenchResults => ({
      ...r,
      scaleOut: {
        gateways: ['chat-gateway-1', 'chat-gateway-2'],
        stores: ['message-store-1', 'message-store-2'],
        run: run([step(2000), step(4400, { cpuUsPerMessage })]),
      },
    });
    expect(row(at(210))?.met).toBe(true); // 0.95x
    expect(row(at(250))?.met).toBe(false); // 0.80x
    expect(row(r)).toMatchObject({ measured: 'n/a (phase scaleout not run)', met: undefined });
    expect(row({ ...at(210), parley: undefined })).toMatchObject({
      measured: 'n/a (phase parley not run)',
      met: undefined,
    });
  });

  it('compares the configurations at the highest ramp rate all of them ran, passing or not', () => {
    const r: BenchResults = {
      ...results(),
      parley: run([step(1000, { cpuUsPerMessage: 1500 }), step(1400, { cpuUsPerMessage: 1050 }), step(1960)]),
      scaleOut: {
        gateways: ['chat-gateway-1', 'chat-gateway-2'],
        stores: ['message-store-1', 'message-store-2'],
        // 1960 was never offered to the split ramp; 714 is a refine step, not a ramp step.
        run: run([step(1000), step(1400, { cpuUsPerMessage: 1280 }), step(714, { phase: 'refine' })]),
        sameGateway: run([step(1000), step(1400, { cpuUsPerMessage: 1260 }), step(1960)]),
      },
    };
    const { sameRate } = scaleOutFigures(r);
    expect(sameRate?.rate).toBe(1400);
    expect(sameRate?.ratio).toBeCloseTo(1050 / 1280, 6);
    expect(sameRate?.sameGatewayRatio).toBeCloseTo(1050 / 1260, 6);
    expect(scaleOutSection(r, config).join('\n')).toContain(
      'At one offered rate, 1,400 msg/s (the highest ramp step every configuration ran, passing or not): CPU µs per message 1+1 / 2+2 / 2+2 each chat on one gateway: 1,050 / 1,280 / 1,260, so 2+2 delivers **0.82x** per CPU-second; each chat on one gateway **0.83x**',
    );
    expect(scaleOutFigures({ ...r, parley: run([step(2000)]) }).sameRate).toBeUndefined();
  });

  it('tables both configurations side by side, with each gateway and store', () => {
    expect(scaleOutSection(saved(), config)).toEqual([]);
    const text = scaleOutSection(withScaleOut(), config).join('\n');
    expect(text).toContain('### Scale-out: 2 gateways and 2 message-stores vs one of each');
    expect(text).toContain('| | 1 gateway + 1 message-store | 2 gateways + 2 message-stores |');
    expect(text).toContain('| max msg/s at e2e p99 <= 100 ms | 80 | 80 |');
    expect(text).toContain('| CPU µs/msg at max (all servers) | 5,610 | 8,934 |');
    expect(text).toContain('| delivered msg per server CPU-second | 178 | 112 |');
    expect(text).toMatch(
      /\| gateway 1 CPU \| chat-gateway: [\d.]+ cores, [\d,.]+ µs\/msg \| chat-gateway-1: 0\.12 cores, 1,509\.8 µs\/msg \|/,
    );
    expect(text).toMatch(/\| gateway 2 CPU \| - \| chat-gateway-2: 0\.14 cores, /);
    expect(text).toMatch(/\| message-store 2 CPU \| - \| message-store-2: 0\.08 cores, 1,016\.6 µs\/msg \|/);
    expect(text).toContain('2+2 over 1+1, messages per CPU-second: **0.63x** (target >= 0.9x).');
    expect(text).toContain('Zero-loss check of the scale-out ramp: 240 acked, 0 lost deliveries, 0 of 240 checked');
  });

  // The straddled ramp again, as if it held twice the rate at half the CPU per message (1e6 / 2,805 = 357 per CPU-s).
  const withSameGateway = (): BenchResults => {
    const r = withScaleOut();
    const s = r.scaleOut as NonNullable<BenchResults['scaleOut']>;
    const max = { ...(s.run.max as Step), deliveredMsgsPerSec: 160, cpuUsPerMessage: 2805 };
    return { ...r, scaleOut: { ...s, sameGateway: { ...s.run, max } } };
  };

  it('adds the ramp with each chat on one gateway as a third column, its ratio beside the target one', () => {
    const text = scaleOutSection(withSameGateway(), config).join('\n');
    expect(text).toContain(
      '| | 1 gateway + 1 message-store | 2 gateways + 2 message-stores | 2+2, each chat on one gateway |\n|---|---:|---:|---:|',
    );
    expect(text).toContain('| max msg/s at e2e p99 <= 100 ms | 80 | 80 | 160 |');
    expect(text).toContain('| delivered msg per server CPU-second | 178 | 112 | 357 |');
    expect(text).toMatch(
      /\| gateway 2 CPU \| - \| chat-gateway-2: 0\.14 cores, [\d,.]+ µs\/msg \| chat-gateway-2: 0\.14 cores, /,
    );
    expect(text).toMatch(
      /every message crosses .* the worst case.* the best case\. A random load balancer lands between/,
    );
    expect(text).toContain(
      '2+2 over 1+1, messages per CPU-second: **0.63x** (target >= 0.9x); each chat on one gateway: **2.00x**.',
    );
    expect(text).toContain('Zero-loss check of the same-gateway ramp: 240 acked, 0 lost deliveries, 0 of 240 checked');
    expect(text).toContain('Scale-out steps, each chat on one gateway:');
    // Without it, none of this: results saved before it render as they did.
    expect(scaleOutSection(withScaleOut(), config).join('\n')).not.toContain('each chat on one gateway');
  });

  it('keeps judging the target by the straddled ramp, and counts the same-gateway one in zero loss', () => {
    expect(row(withSameGateway())).toEqual(row(withScaleOut()));
    const zeroLoss = (r: BenchResults) => targets(r).find((t) => t.target.startsWith('Zero loss'))?.measured;
    expect(zeroLoss(withSameGateway())).toBe(`${zeroLoss(withScaleOut())}; 0 lost / 240 acked`);
  });

  it('sizes gateways and message-stores from the scale-out run when there is one', () => {
    expect(renderScaling(saved())).not.toContain('scale-out');
    const doc = renderScaling(withScaleOut());
    // message-store-1 0.099973 s + message-store-2 0.081325 s over 80 acked messages.
    expect(doc).toContain('message-store-1 0.10 cores, message-store-2 0.08 cores: 2,266.2 µs per message together');
    expect(doc).toMatch(
      /\| message-store replicas \(1 core each\) \| [\d,.]+ cores \| [\d,]+ \| 2,266\.2 µs per message \(2 replicas in the scale-out run\) \|/,
    );
    expect(doc).toMatch(/µs per send \(2 replicas in the scale-out run\)/);
  });
});
