import { makeScrapedGaugeProvider } from '@parley/shared/util-service';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { PushQueue } from './push.queue';

export const PUSH_SENT_METRIC = 'parley_push_sent_total';
export const PUSH_FAILED_METRIC = 'parley_push_failed_total';
export const PUSH_QUEUE_DEPTH_METRIC = 'parley_push_queue_depth';

export const pushMetricProviders = [
  makeCounterProvider({
    name: PUSH_SENT_METRIC,
    help: 'Push notifications FCM accepted (one per device), by platform',
    labelNames: ['platform'],
  }),
  makeCounterProvider({
    name: PUSH_FAILED_METRIC,
    help: 'Push notifications not delivered to FCM, by reason (transient, dead_token, rejected, gave_up)',
    labelNames: ['reason'],
  }),
  // Read from Redis when /metrics is scraped.
  makeScrapedGaugeProvider<[PushQueue]>({
    name: PUSH_QUEUE_DEPTH_METRIC,
    help: 'Push jobs in the queue, by state',
    labelNames: ['state'],
    inject: [PushQueue],
    read: async (gauge, queue) => {
      const depth = await queue.depth().catch(() => null);
      if (!depth) return;
      for (const [state, n] of Object.entries(depth)) gauge.set({ state }, n);
    },
  }),
];
