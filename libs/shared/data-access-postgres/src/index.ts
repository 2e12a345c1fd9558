export * from './lib/postgres-data-source';
export * from './lib/postgres-timeouts';
