import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';

const LOOKUPS = 'parley_gateway_location_cache_lookups_total';
const ENTRIES = 'parley_gateway_location_cache_entries';

/** The fan-out's location cache (docs/scaling.md, "The location cache"). */
export const locationCacheMetricProviders = [
  makeCounterProvider({
    name: LOOKUPS,
    help: "recipients' locations the fan-out needed: from the cache (hit) or from presence (miss); refresh: hits asked again in the background",
    labelNames: ['result'],
  }),
  makeGaugeProvider({ name: ENTRIES, help: 'users whose location the fan-out caches' }),
];

@Injectable()
export class LocationCacheMetrics {
  constructor(
    @InjectMetric(LOOKUPS) readonly lookups: Counter<'result'>,
    @InjectMetric(ENTRIES) readonly entries: Gauge,
  ) {}
}
