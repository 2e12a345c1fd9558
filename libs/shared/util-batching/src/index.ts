export * from './lib/micro-batcher';
