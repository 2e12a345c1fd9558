import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';

const LOOKUPS = 'parley_message_store_location_cache_lookups_total';
const ENTRIES = 'parley_message_store_location_cache_entries';
const ROUTED = 'parley_message_store_routed_messages_total';

export const routingMetricProviders = [
  makeCounterProvider({
    name: LOOKUPS,
    help: "recipients' locations the routing of stored messages needed: from the cache (hit) or from presence (miss); refresh: hits asked again in the background",
    labelNames: ['result'],
  }),
  makeGaugeProvider({ name: ENTRIES, help: 'users whose location message-store caches' }),
  makeCounterProvider({
    name: ROUTED,
    help: "stored messages handed to the recipients' other gateway instances, by result (routed, or failed: left to the gateways' repair)",
    labelNames: ['result'],
  }),
];

@Injectable()
export class RoutingMetrics {
  constructor(
    @InjectMetric(LOOKUPS) readonly lookups: Counter<'result'>,
    @InjectMetric(ENTRIES) readonly entries: Gauge,
    @InjectMetric(ROUTED) readonly routed: Counter<'result'>,
  ) {}
}
