import { Injectable } from '@nestjs/common';
import { makeScrapedGaugeProvider } from '@parley/shared/util-service';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { PresenceRepository } from './presence.repository';

const ONLINE_USERS = 'parley_presence_online_users';
const INSTANCES = 'parley_presence_instances';
const TRANSITIONS = 'parley_presence_transitions_total';

/**
 * A gauge of one of the repository's counts. A failed read leaves the last value: /health/ready
 * reports Redis trouble.
 */
function countGauge(name: string, help: string, count: 'onlineUsers' | 'instances') {
  return makeScrapedGaugeProvider<[PresenceRepository]>({
    name,
    help,
    inject: [PresenceRepository],
    read: async (gauge, repository) => {
      const c = await repository.counts().catch(() => undefined);
      if (c) gauge.set(c[count]);
    },
  });
}

/**
 * Presence metrics (served at /metrics). The gauges read Redis at scrape time, so every
 * replica reports the same cluster-wide numbers.
 */
export const presenceMetricProviders = [
  countGauge(ONLINE_USERS, 'Users with at least one open connection (all replicas)', 'onlineUsers'),
  countGauge(INSTANCES, 'Gateway instances known to presence (heartbeating or not yet swept)', 'instances'),
  makeCounterProvider({
    name: TRANSITIONS,
    help: 'Online/offline transitions published by this replica',
    labelNames: ['to'],
  }),
];

@Injectable()
export class PresenceMetrics {
  constructor(@InjectMetric(TRANSITIONS) private readonly transitions: Counter<'to'>) {}

  transitioned(online: boolean, count: number): void {
    this.transitions.inc({ to: online ? 'online' : 'offline' }, count);
  }
}
