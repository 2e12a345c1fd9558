import type { ServiceQueue } from '@parley/contracts';

/** NATS queue group of every push-notifier replica: each event is handled once. */
export const PUSH_NOTIFIER_QUEUE: ServiceQueue = 'push-notifier';
export const SERVICE_NAME = 'push-notifier';
