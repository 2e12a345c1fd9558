export * from './lib/pg-database';
export * from './lib/postgres-connection';
export * from './lib/postgres-migrations';
export * from './lib/postgres.module';
export * from './lib/postgres-timeouts';
