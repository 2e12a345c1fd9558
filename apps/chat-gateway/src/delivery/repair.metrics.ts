import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';

const DIGESTS = 'parley_gateway_heads_digests_total';
const BEHIND = 'parley_gateway_heads_behind_total';
const CHATS_ANNOUNCED = 'parley_gateway_chats_announced_total';
const RECOVERIES = 'parley_gateway_heads_recoveries_total';
const DROPPED_FOR_TEST = 'parley_gateway_deliveries_dropped_for_test_total';
const GAP_FILLS = 'parley_gateway_gap_fills_total';
const GAPS_SKIPPED = 'parley_gateway_gaps_skipped_total';

/** Live-delivery repair, for operators (docs/reliability.md). */
export const repairMetricProviders = [
  makeCounterProvider({ name: DIGESTS, help: 'heads digests received from message-store' }),
  makeCounterProvider({
    name: BEHIND,
    help: 'connection chats a head showed behind the store (a fetch follows unless the live delivery lands first)',
  }),
  makeCounterProvider({
    name: CHATS_ANNOUNCED,
    help: 'chat:new sent again to a connection that had no cursor for a chat it joined (its chat:new was lost)',
  }),
  makeCounterProvider({
    name: RECOVERIES,
    help: 'chat.heads.recover.v1 runs (digests lost, a publisher gone silent, NATS reconnect)',
    labelNames: ['reason'],
  }),
  makeCounterProvider({
    name: DROPPED_FOR_TEST,
    help: 'inter-gateway deliveries dropped on purpose (GATEWAY_TEST_DROP_DELIVERIES_PERCENT)',
  }),
  makeCounterProvider({
    name: GAP_FILLS,
    help: "store reads a connection made to fill a gap in its order: a chat's seqs (v1) or the user's event stream (since)",
    labelNames: ['stream'],
  }),
  makeCounterProvider({
    name: GAPS_SKIPPED,
    help: "gaps a v1 connection's fills could not close (the store did not answer the seqs): skipped, replayed at its next connect",
  }),
];

@Injectable()
export class RepairMetrics {
  constructor(
    @InjectMetric(DIGESTS) readonly digests: Counter,
    @InjectMetric(BEHIND) readonly behind: Counter,
    @InjectMetric(CHATS_ANNOUNCED) readonly chatsAnnounced: Counter,
    @InjectMetric(RECOVERIES) readonly recoveries: Counter<'reason'>,
    @InjectMetric(DROPPED_FOR_TEST) readonly droppedForTest: Counter,
    @InjectMetric(GAP_FILLS) readonly gapFills: Counter<'stream'>,
    @InjectMetric(GAPS_SKIPPED) readonly gapsSkipped: Counter,
  ) {}
}
