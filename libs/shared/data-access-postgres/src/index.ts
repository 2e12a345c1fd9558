export * from './lib/postgres-data-source';
