export * from './lib/nats-bus';
export * from './lib/nats-bus.module';
