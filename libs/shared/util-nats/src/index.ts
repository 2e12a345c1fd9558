export * from './lib/nats-bus';
export * from './lib/nats-bus.module';
export * from './lib/nats-packets';
export * from './lib/nats-server-config';
export * from './lib/nats-servers';
export * from './lib/rpc-pipeline';
