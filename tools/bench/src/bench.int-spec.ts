import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createTestDatabase,
  createTestKeys,
  WORKSPACE_ROOT as ROOT,
  type TestDatabase,
  type TestStack,
} from '@parley/shared/testing';
import { runLoadgen } from './loadgen-runner';
import { stackPids, startParleyStack } from './parley-stack';
import type { RunSummary, ScaleOut } from './results';

const run = promisify(execFile);

/** The bench tooling on a tiny load (benchmarks are not tests: nothing here is timed). */
describe('bench tooling (whole stack, tiny load)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
  let db: TestDatabase;
  let stack: TestStack;
  let population: string;

  beforeAll(async () => {
    db = await createTestDatabase('bench_test');
    const keys = createTestKeys();
    stack = await startParleyStack({ label: 'test', db, keys, probeDir: dir, env: { MESSAGE_PARTITIONS: '4' } });
    population = join(dir, 'pop.json');
    await runLoadgen([
      'seed',
      '--users',
      '12',
      '--groups',
      '1',
      '--group-size',
      '4',
      '--jwt-private-key-file',
      keys.jwtPrivateKeyFile,
      '--database-url',
      db.url,
      '--out',
      population,
    ]);
  }, 120_000);
  afterAll(async () => {
    try {
      // With the guard of every whole-stack run: no app crashed or logged an unhandled error.
      await stack?.stop();
    } finally {
      await db?.drop();
    }
  });

  // No re-runs of a step on a busy machine: the totals below are of exactly one step.
  const load = async (...extra: string[]) =>
    (await runLoadgen([
      'run',
      '--gateway',
      stack.gatewayUrls[0],
      '--population',
      population,
      '--rate',
      '20',
      '--duration',
      '1',
      '--database-url',
      db.url,
      '--noisy-retries',
      '0',
      ...extra,
    ])) as unknown as RunSummary;

  it('sends, acks and delivers everything, and finds every acked message in PostgreSQL', async () => {
    const summary = await load(
      '--cpu',
      `message-store=${stackPids(stack)['message-store']}`,
      '--cpu-infra',
      '--pg-database',
      db.name,
    );
    expect(summary.connected).toBe(12);
    expect(summary.totals.acked).toBe(20);
    // 4 pairs: 1 recipient each; the group of 4: 3 each.
    expect(summary.totals.delivered).toBe(summary.totals.expectedDeliveries);
    expect(summary.totals.expectedDeliveries).toBeGreaterThan(20);
    expect(summary.totals.storeChecked).toBe(20);
    expect(summary.totals).toMatchObject({ lost: 0, lostInStore: 0, duplicates: 0, echoes: 0 });
    expect(summary.zeroLoss).toBe(true);
    expect(summary.steps[0].e2e.count).toBe(summary.totals.delivered);
    expect(summary.steps[0].cpuSeconds['message-store']).toBeGreaterThan(0);
    // The 12 users' WebSockets, counted by the kernel: at least the 20 bodies up and each delivery down.
    expect(summary.steps[0].wire).toMatchObject({ connections: 12 });
    expect(summary.steps[0].wire?.bytesUp).toBeGreaterThan(20 * 100);
    expect(summary.steps[0].wire?.bytesDown).toBeGreaterThan(summary.totals.delivered * 100);
    expect(Object.keys(summary.steps[0].cpuSeconds)).toEqual(
      expect.arrayContaining(['postgres', 'redis', 'nats', 'loadgen']),
    );
  });

  it('drives the gRPC edge the same way (--transport grpc): zero loss, and the bytes of its connections counted', async () => {
    const summary = await load('--transport', 'grpc', '--grpc', stack.gatewayGrpcAddress);
    expect(summary.transport).toBe('grpc');
    expect(summary.connected).toBe(12);
    expect(summary.totals.acked).toBe(20);
    expect(summary.totals.delivered).toBe(summary.totals.expectedDeliveries);
    expect(summary.totals.storeChecked).toBe(20);
    expect(summary.totals).toMatchObject({ lost: 0, lostInStore: 0, duplicates: 0, echoes: 0 });
    // ss counted the 12 users' HTTP/2 connections (to the gRPC port only) and what 20 messages took.
    const wire = summary.steps[0].wire;
    expect(wire?.connections).toBe(12);
    expect(wire?.bytesUp).toBeGreaterThan(20 * 100);
    expect(wire?.bytesDown).toBeGreaterThan(summary.totals.delivered * 100);
  });

  it('plants a loss over gRPC too, and reports it', async () => {
    const summary = await load(
      '--transport',
      'grpc',
      '--grpc',
      stack.gatewayGrpcAddress,
      '--plant-lost-deliveries',
      '2',
      '--drain-timeout-ms',
      '2000',
    );
    expect(summary.totals.lostDeliveries).toBe(2);
    expect(summary.zeroLoss).toBe(false);
  });

  it('reports a planted loss as lost, with examples', async () => {
    const summary = await load('--plant-lost-deliveries', '3', '--drain-timeout-ms', '2000');
    expect(summary.totals.lostDeliveries).toBe(3);
    expect(summary.totals.lost).toBe(3);
    expect(summary.zeroLoss).toBe(false);
    expect(summary.totals.lossExamples[0]).toMatch(/^chat#\d+ seq \d+ not received by user#\d+$/);
  });

  it('runs `npm run bench` end to end at the tiny scale and writes the report', async () => {
    const out = join(dir, 'benchmarks.md');
    await run(process.execPath, [join(ROOT, 'dist/tools/bench/main.js')], {
      env: {
        ...process.env,
        BENCH_SCALE: 'tiny',
        BENCH_OUT: out,
        BENCH_CHART_OUT: join(dir, 'chart.svg'),
        BENCH_JSON_OUT: join(dir, 'run.json'),
      },
      timeout: 300_000,
    });
    const doc = readFileSync(out, 'utf8');
    expect(doc).toContain('### Targets');
    expect(doc).toMatch(/\| Zero loss: .* \| 0 lost \/ \d+ acked; 0 lost \/ \d+ acked/);
    const results = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as {
      notes: string[];
      ingest: unknown[];
      relay: RunSummary;
      parley: RunSummary;
      transports: Record<'socketio' | 'grpc', { run: RunSummary; idle: { sockets: number } }>;
      scaleOut: ScaleOut;
    };
    expect(results.notes.filter((n) => n.startsWith('Phase'))).toEqual([]);
    expect(results.ingest).toHaveLength(4);
    expect(results.relay.zeroLoss && results.parley.zeroLoss).toBe(true);
    // Both edges side by side, each with its ramp, zero loss, bytes on the wire and idle connections.
    for (const t of ['socketio', 'grpc'] as const) {
      const r = results.transports[t];
      expect([t, r.run.transport, r.run.zeroLoss]).toEqual([t, t, true]);
      expect([t, r.run.steps.every((s) => (s.wire?.connections ?? 0) > 0)]).toEqual([t, true]);
      expect([t, r.idle.sockets]).toEqual([t, 10]);
    }
    expect(doc).toContain('### Socket.IO vs gRPC: the same stack, one run');
    expect(doc).toMatch(/\| bytes on the wire per message \| [\d,.]+ B \| [\d,.]+ B \|/);
    // Phase scaleout: the same ramp on two gateways and two stores, each process's CPU measured, judged against 1+1.
    const { gateways, stores, run: scaled } = results.scaleOut;
    expect([gateways, stores]).toEqual([
      ['chat-gateway-1', 'chat-gateway-2'],
      ['message-store-1', 'message-store-2'],
    ]);
    expect(scaled.zeroLoss).toBe(true);
    expect(scaled.totals.storeChecked).toBe(scaled.totals.acked);
    for (const s of scaled.steps)
      for (const p of [...gateways, ...stores]) expect([p, s.cpuSeconds[p] > 0]).toEqual([p, true]);
    expect(doc).toContain('### Scale-out: 2 gateways and 2 message-stores vs one of each');
    expect(doc).toMatch(
      /\| Two gateways and two message-stores .* \| 2\+2: [\d,]+ msg per CPU-s .* vs 1\+1: [\d,]+ msg per CPU-s .* = \d+\.\d\dx \| (yes|\*\*no\*\*) \|/,
    );
  }, 360_000);
});
