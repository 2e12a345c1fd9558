export * from './lib/load-env';
