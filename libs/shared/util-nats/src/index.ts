export * from './lib/nats-bus';
