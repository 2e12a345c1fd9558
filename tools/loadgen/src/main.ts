import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runLoad } from './coordinator';
import { PLACEMENTS, type Placement } from './partition';
import { buildTopology, makePopulation, readPrivateKey, type Population, type TopologyOptions } from './population';
import type { RunOptions } from './run-options';
import { applyPopulationSql, registerPopulationApi } from './seed';
import { TRANSPORTS, type Transport } from './transports';
import { runWorker } from './worker';

const USAGE = `Parley load generator (docs/protocol.md over Socket.IO or gRPC; one connection per simulated user)

  loadgen seed --users N [--groups K --group-size G] --jwt-private-key-file F
               [--database-url URL] --out population.json
      Makes users (with tokens signed by F) and chats: K groups of G, the rest 1:1 pairs.
      With --database-url, writes them into that (benchmark) database directly.

  loadgen run --gateway URL [--gateway URL2 ...] [--transport socketio|grpc --grpc HOST:PORT [--grpc ...]]
              (--population population.json | --auth URL --users N [--groups K --group-size G])
              (--rate R --duration S [--rate R2 ...] | --ramp START:FACTOR:MAX [--refine 2] [--then-half S])
              [--step-duration S] [--warmup S] [--senders all|first] [--placement user|chat]
              [--slo-p99-ms 100] [--hold S] [--body-bytes 100]
              [--database-url URL] [--cpu name=pid[,pid...] ...] [--cpu-infra] [--pg-database NAME]
              [--workers N] [--sockets-per-worker 9000] [--source-addresses N] [--noisy-other-cores 0.3 --noisy-retries 4] [--quiet-wait S]
              [--out summary.json]
      Prints JSON lines: {"event":"connected"}, one {"event":"step"} per step, then {"event":"summary"}.
      --transport grpc: each user holds one gRPC channel and Connect stream (parley.v1.ChatGateway) to
      the --grpc address of its gateway instead of a Socket.IO socket; the rest is the same.
      --placement: user (default) spreads users over the gateways round-robin by user, so (with two) the
      members of a 1:1 pair are on different gateways; chat puts all members of the i-th chat on the
      i-th gateway round-robin (a user in several chats: its first chat's), so a chat's messages stay on one.
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

const num = (v: string | undefined, name: string, fallback?: number): number => {
  if (v === undefined) {
    if (fallback === undefined) fail(`--${name} is required`);
    return fallback;
  }
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a non-negative number, got ${v}`);
  return n;
};

/** The population's shape: --users N [--groups K --group-size G] (seed, and run --auth). */
const TOPOLOGY_ARGS = {
  users: { type: 'string' },
  groups: { type: 'string' },
  'group-size': { type: 'string' },
} as const;

function topologyOf(values: { users?: string; groups?: string; 'group-size'?: string }): TopologyOptions {
  return {
    users: num(values.users, 'users'),
    groups: num(values.groups, 'groups', 0),
    groupSize: num(values['group-size'], 'group-size', 0),
  };
}

async function seed(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...TOPOLOGY_ARGS,
      'jwt-private-key-file': { type: 'string' },
      'jwt-issuer': { type: 'string' },
      'jwt-audience': { type: 'string' },
      'token-ttl-seconds': { type: 'string' },
      'database-url': { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (!values['jwt-private-key-file'] || !values.out) fail('seed needs --jwt-private-key-file and --out');
  const population = await makePopulation(
    topologyOf(values),
    {
      privateKeyPem: readPrivateKey(values['jwt-private-key-file']),
      issuer: values['jwt-issuer'] ?? 'parley-auth',
      audience: values['jwt-audience'] ?? 'parley',
      ttlSeconds: num(values['token-ttl-seconds'], 'token-ttl-seconds', 4 * 3600),
    },
    randomBytes(3).toString('hex'),
  );
  if (values['database-url']) await applyPopulationSql(values['database-url'], population);
  writeFileSync(values.out, JSON.stringify(population));
  process.stdout.write(
    `${JSON.stringify({ event: 'seeded', users: population.users.length, chats: population.chats.length })}\n`,
  );
}

const RUN_ARGS = {
  gateway: { type: 'string', multiple: true },
  transport: { type: 'string' },
  grpc: { type: 'string', multiple: true },
  population: { type: 'string' },
  auth: { type: 'string' },
  ...TOPOLOGY_ARGS,
  senders: { type: 'string' },
  placement: { type: 'string' },
  rate: { type: 'string', multiple: true },
  duration: { type: 'string' },
  ramp: { type: 'string' },
  refine: { type: 'string' },
  'then-half': { type: 'string' },
  'step-duration': { type: 'string' },
  'pause-ms': { type: 'string' },
  'slo-p99-ms': { type: 'string' },
  hold: { type: 'string' },
  warmup: { type: 'string' },
  'body-bytes': { type: 'string' },
  'ack-timeout-ms': { type: 'string' },
  'drain-timeout-ms': { type: 'string' },
  'database-url': { type: 'string' },
  cpu: { type: 'string', multiple: true },
  'cpu-infra': { type: 'boolean' },
  'pg-database': { type: 'string' },
  workers: { type: 'string' },
  'sockets-per-worker': { type: 'string' },
  'connect-concurrency': { type: 'string' },
  'source-addresses': { type: 'string' },
  'plant-lost-deliveries': { type: 'string' },
  'noisy-other-cores': { type: 'string' },
  'noisy-retries': { type: 'string' },
  'quiet-wait': { type: 'string' },
  out: { type: 'string' },
} as const;

type RunArgs = ReturnType<typeof parseRunArgs>;

function parseRunArgs(argv: string[]) {
  return parseArgs({ args: argv, options: RUN_ARGS }).values;
}

async function run(argv: string[]): Promise<void> {
  const values = parseRunArgs(argv);
  const gatewayUrls = values.gateway ?? fail('--gateway is required');
  const runId = randomBytes(3).toString('hex');
  const population = await loadPopulation(values, gatewayUrls[0], runId);
  const summary = await runLoad(runOptions(values, gatewayUrls, population, runId));
  if (values.out) writeFileSync(values.out, JSON.stringify(summary, null, 2));
  process.stdout.write(`${JSON.stringify({ event: 'summary', ...summary })}\n`);
}

/** A seeded population from a file, or one registered through the HTTP API now. */
async function loadPopulation(values: RunArgs, gatewayUrl: string, runId: string): Promise<Population> {
  if (values.population) return JSON.parse(readFileSync(values.population, 'utf8')) as Population;
  if (!values.auth) fail('give --population or --auth');
  const topology = topologyOf(values);
  return registerPopulationApi(values.auth, gatewayUrl, buildTopology(topology), topology.users, runId);
}

/** --cpu name=pid[,pid...], repeated. */
function cpuPidsOf(specs: string[]): Record<string, number[]> {
  const cpuPids: Record<string, number[]> = {};
  for (const spec of specs) {
    const [name, pids] = spec.split('=');
    if (!name || !pids) fail(`--cpu takes name=pid[,pid...], got ${spec}`);
    cpuPids[name] = pids
      .split(',')
      .map(Number)
      .filter((p) => p > 0);
  }
  return cpuPids;
}

function runOptions(values: RunArgs, gatewayUrls: string[], population: Population, runId: string): RunOptions {
  const [start, factor, max] = (values.ramp ?? '').split(':').map(Number);
  if (values.ramp && !(start > 0 && factor > 1 && max >= start))
    fail('--ramp is START:FACTOR:MAX, e.g. 500:1.25:20000');
  if (!values.ramp && !values.rate && num(values.hold, 'hold', 0) === 0) fail('give --rate, --ramp or --hold');
  const cpuPids = cpuPidsOf(values.cpu ?? []);
  const users = population.users.length;
  const transport = (values.transport ?? 'socketio') as Transport;
  if (!TRANSPORTS.includes(transport)) fail(`--transport is one of ${TRANSPORTS.join(', ')}, got ${transport}`);
  const grpcAddresses = values.grpc ?? [];
  if (transport === 'grpc' && grpcAddresses.length === 0) fail('--transport grpc needs --grpc HOST:PORT');
  const placement = (values.placement ?? 'user') as Placement;
  if (!PLACEMENTS.includes(placement)) fail(`--placement is one of ${PLACEMENTS.join(', ')}, got ${placement}`);
  return {
    gatewayUrls,
    transport,
    grpcAddresses,
    population,
    senders: values.senders === 'first' ? 'first' : 'all',
    placement,
    steps: (values.rate ?? []).map((r) => num(r, 'rate')),
    ramp: values.ramp ? { start, factor, max, refine: num(values.refine, 'refine', 2) } : undefined,
    stepDurationS: num(values['step-duration'] ?? values.duration, 'duration', 10),
    pauseMs: num(values['pause-ms'], 'pause-ms', 1000),
    sloP99Ms: num(values['slo-p99-ms'], 'slo-p99-ms', 100),
    thenHalfS: values['then-half'] ? num(values['then-half'], 'then-half') : undefined,
    holdS: num(values.hold, 'hold', 0),
    warmupS: num(values.warmup, 'warmup', 0),
    bodyBytes: num(values['body-bytes'], 'body-bytes', 100),
    ackTimeoutMs: num(values['ack-timeout-ms'], 'ack-timeout-ms', 10_000),
    drainTimeoutMs: num(values['drain-timeout-ms'], 'drain-timeout-ms', 10_000),
    databaseUrl: values['database-url'],
    cpu: { pids: cpuPids, infra: values['cpu-infra'] ? { pgDatabase: values['pg-database'] } : undefined },
    socketsPerWorker: num(values['sockets-per-worker'], 'sockets-per-worker', 9000),
    workers: num(values.workers, 'workers', 1),
    connectConcurrency: num(values['connect-concurrency'], 'connect-concurrency', 64),
    // One source address holds ~28k ports towards one server port: spread beyond 25k.
    sourceAddresses: num(values['source-addresses'], 'source-addresses', Math.ceil(users / 25_000)),
    plantLostDeliveries: num(values['plant-lost-deliveries'], 'plant-lost-deliveries', 0),
    noisyOtherCores: num(values['noisy-other-cores'], 'noisy-other-cores', 0.3),
    noisyRetries: num(values['noisy-retries'], 'noisy-retries', 4),
    quietWaitS: num(values['quiet-wait'], 'quiet-wait', 0),
    runId,
    onEvent: (e) => process.stdout.write(`${JSON.stringify(e)}\n`),
  };
}

const [command, ...rest] = process.argv.slice(2);
if (command === '__worker') {
  runWorker();
} else {
  const main = command === 'seed' ? seed : command === 'run' ? run : undefined;
  if (!main) fail(`unknown command ${command ?? ''}`);
  main(rest).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`loadgen: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
