import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { Gauge, register } from 'prom-client';
import { PushQueue } from './push.queue';

export const PUSH_SENT_METRIC = 'parley_push_sent_total';
export const PUSH_FAILED_METRIC = 'parley_push_failed_total';
export const PUSH_QUEUE_DEPTH_METRIC = 'parley_push_queue_depth';

export const pushCounterProviders = [
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
];

/** Queue depth by state, read from Redis when /metrics is scraped. */
@Injectable()
export class QueueDepthGauge implements OnModuleInit, OnModuleDestroy {
  private gauge?: Gauge;

  constructor(@Inject(PushQueue) private readonly queue: PushQueue) {}

  onModuleInit(): void {
    // The collect callback is bound to this app's queue: replace any earlier one.
    register.removeSingleMetric(PUSH_QUEUE_DEPTH_METRIC);
    const queue = this.queue;
    this.gauge = new Gauge({
      name: PUSH_QUEUE_DEPTH_METRIC,
      help: 'Push jobs in the queue, by state',
      labelNames: ['state'],
      async collect() {
        const depth = await queue.depth().catch(() => null);
        if (!depth) return;
        for (const [state, n] of Object.entries(depth)) this.set({ state }, n);
      },
    });
  }

  onModuleDestroy(): void {
    if (this.gauge && register.getSingleMetric(PUSH_QUEUE_DEPTH_METRIC) === this.gauge) {
      register.removeSingleMetric(PUSH_QUEUE_DEPTH_METRIC);
    }
  }
}
