import 'reflect-metadata';
import * as pg from 'pg';
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';
import type { ReadinessCheck } from '@parley/shared/util-service';
import { DEFAULT_POSTGRES_TIMEOUTS, poolTimeoutSettings, type PostgresTimeouts } from './postgres-timeouts';

export interface PostgresOptions {
  url: string;
  /** The owning service's schema: nobody else reads or writes it. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations?: MixedList<Function | string>;
  poolSize?: number;
  applicationName?: string;
  /** Default DEFAULT_POSTGRES_TIMEOUTS; null: no statement limit (migrations). */
  timeouts?: PostgresTimeouts | null;
}

export function postgresOptions(options: PostgresOptions): DataSourceOptions {
  return {
    type: 'postgres',
    // Named, not loaded by TypeORM by name: the bundler then lists pg in each app's package.json.
    driver: pg,
    url: options.url,
    schema: options.schema,
    entities: options.entities ?? [],
    migrations: options.migrations ?? [],
    migrationsTableName: `${options.schema}_migrations`,
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // Failed queries are thrown to the caller; logging them would print parameters (secrets).
    logging: false,
    applicationName: options.applicationName,
    extra: {
      max: options.poolSize ?? 10,
      // Unqualified names resolve to the service's own schema.
      options: `-c search_path=${options.schema},public`,
      ...poolTimeoutSettings(options.timeouts === undefined ? DEFAULT_POSTGRES_TIMEOUTS : options.timeouts),
    },
  };
}

export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'the configured DATABASE_URL';
  }
}

/** Opens a pool, failing fast with a message naming the server (never the password). */
export async function openDataSource(options: PostgresOptions): Promise<DataSource> {
  const ds = new DataSource(postgresOptions(options));
  try {
    await ds.initialize();
  } catch (err) {
    throw new Error(`cannot connect to PostgreSQL at ${describeUrl(options.url)}: ${(err as Error).message}`);
  }
  return ds;
}

/**
 * Creates the schema (the migrations table lives in it) and applies pending migrations, with
 * no statement time limit (an operator runs them; an index build may take long).
 */
export async function runMigrations(serviceOptions: PostgresOptions): Promise<string[]> {
  const options: PostgresOptions = { ...serviceOptions, timeouts: null };
  const bootstrap = new DataSource({ ...postgresOptions({ ...options, migrations: [] }) });
  try {
    await bootstrap.initialize();
  } catch (err) {
    throw new Error(`cannot connect to PostgreSQL at ${describeUrl(options.url)}: ${(err as Error).message}`);
  }
  await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
  await bootstrap.destroy();

  const ds = await openDataSource(options);
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

export async function revertLastMigration(options: PostgresOptions): Promise<void> {
  const ds = await openDataSource({ ...options, timeouts: null });
  try {
    await ds.undoLastMigration({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}

export function postgresReadiness(ds: DataSource): ReadinessCheck {
  return {
    name: 'postgres',
    isReady: async () => {
      if (!ds.isInitialized) return false;
      await ds.query('SELECT 1');
      return true;
    },
  };
}
