export * from './lib/test-database';
export * from './lib/test-keys';
export * from './lib/http-client';
export * from './lib/stack';
export * from './lib/socket-client';
export * from './lib/users';
export * from './lib/answer-tally';
export * from './lib/test-nats';
