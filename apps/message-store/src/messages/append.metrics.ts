import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';

export const APPENDS_TOTAL = 'parley_message_appends_total';
export const APPEND_BATCH_SIZE = 'parley_message_append_batch_size';
export const APPEND_DURATION = 'parley_message_append_duration_seconds';
export const APPEND_QUEUE_DEPTH = 'parley_message_append_queue_depth';

export const appendMetricProviders = [
  makeCounterProvider({
    name: APPENDS_TOTAL,
    help: 'Append requests answered, by result (created, duplicate, or the error code)',
    labelNames: ['result'],
  }),
  makeHistogramProvider({
    name: APPEND_BATCH_SIZE,
    help: 'Appends committed together in one transaction (group commit)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
  }),
  makeHistogramProvider({
    name: APPEND_DURATION,
    help: 'Time from an append request to its answer (after COMMIT), in seconds',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  }),
  makeGaugeProvider({
    name: APPEND_QUEUE_DEPTH,
    help: 'Appends waiting for a group-commit batch',
  }),
];
