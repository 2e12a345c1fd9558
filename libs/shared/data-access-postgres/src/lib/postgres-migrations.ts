import 'reflect-metadata';
import * as pg from 'pg';
import { DataSource, type DataSourceOptions, type MixedList } from 'typeorm';
import { redactUrl } from '@parley/shared/util-config';
import { poolConfig, type PostgresOptions } from './postgres-connection';

/**
 * TypeORM runs the migrations (ordered, recorded in `<schema>_migrations`, reversible); the
 * services themselves query through PgDatabase.
 */
export interface MigrationOptions extends PostgresOptions {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}

function migrationDataSourceOptions(options: MigrationOptions): DataSourceOptions {
  const { connectionString, ...extra } = poolConfig(options);
  return {
    type: 'postgres',
    // Named, not loaded by TypeORM by name: the bundler then lists pg in each app's package.json.
    driver: pg,
    url: connectionString,
    schema: options.schema,
    migrations: options.migrations,
    migrationsTableName: `${options.schema}_migrations`,
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // Failed queries are thrown to the caller; logging them would print parameters (secrets).
    logging: false,
    extra,
  };
}

async function openMigrationDataSource(options: MigrationOptions): Promise<DataSource> {
  const ds = new DataSource(migrationDataSourceOptions(options));
  try {
    await ds.initialize();
  } catch (err) {
    throw new Error(`cannot connect to PostgreSQL at ${redactUrl(options.url)}: ${(err as Error).message}`);
  }
  return ds;
}

/**
 * Creates the schema (the migrations table lives in it) and applies pending migrations, with
 * no statement time limit (an operator runs them; an index build may take long).
 */
export async function runMigrations(serviceOptions: MigrationOptions): Promise<string[]> {
  const options: MigrationOptions = { ...serviceOptions, timeouts: null };
  const bootstrap = await openMigrationDataSource({ ...options, migrations: [] });
  await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
  await bootstrap.destroy();

  const ds = await openMigrationDataSource(options);
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
