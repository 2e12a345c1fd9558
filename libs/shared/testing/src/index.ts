export * from './lib/test-database';
export * from './lib/test-keys';
export * from './lib/http-client';
