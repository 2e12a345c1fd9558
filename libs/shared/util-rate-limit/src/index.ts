export * from './lib/concurrency-limit';
export * from './lib/rate-limit-redis';
export * from './lib/user-rate-limits';
