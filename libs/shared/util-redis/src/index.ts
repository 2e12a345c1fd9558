export * from './lib/connect-redis';
