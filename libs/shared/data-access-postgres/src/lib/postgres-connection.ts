import { Logger } from '@nestjs/common';
import { Pool, type PoolConfig } from 'pg';
import { redactUrl } from '@parley/shared/util-config';
import type { ReadinessCheck } from '@parley/shared/util-service';
import { PgDatabase } from './pg-database';
import { DEFAULT_POSTGRES_TIMEOUTS, poolTimeoutSettings, type PostgresTimeouts } from './postgres-timeouts';

export interface PostgresOptions {
  url: string;
  /** The owning service's schema: nobody else reads or writes it. */
  schema: string;
  poolSize?: number;
  applicationName?: string;
  /** Default DEFAULT_POSTGRES_TIMEOUTS; null: no statement limit (migrations). */
  timeouts?: PostgresTimeouts | null;
}

/** node-postgres pool settings: the validated URL, the service's schema first on the search_path, the timeouts. */
export function poolConfig(options: PostgresOptions): PoolConfig {
  return {
    connectionString: options.url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName,
    // Unqualified names resolve to the service's own schema.
    options: `-c search_path=${options.schema},public`,
    ...poolTimeoutSettings(options.timeouts === undefined ? DEFAULT_POSTGRES_TIMEOUTS : options.timeouts),
  };
}

export interface OpenPostgresOptions extends PostgresOptions {
  /** Start-up tries before giving up (a database starting beside the app); default 3. */
  connectAttempts?: number;
  retryDelayMs?: number;
}

/** Opens the service's pool, failing fast with a message naming the server (never the password). */
export async function openPgDatabase(options: OpenPostgresOptions): Promise<PgDatabase> {
  const logger = new Logger('PostgreSQL');
  const attempts = options.connectAttempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const pool = new Pool(poolConfig(options));
    // An idle pooled connection the server dropped emits 'error' on the pool: unheard, it would
    // crash the process. The next checkout opens a fresh connection.
    pool.on('error', (err) => logger.warn(`idle PostgreSQL connection lost: ${err.message}`));
    try {
      await pool.query('SELECT 1');
      return new PgDatabase(pool);
    } catch (err) {
      await pool.end().catch(() => undefined);
      if (attempt >= attempts)
        throw new Error(`cannot connect to PostgreSQL at ${redactUrl(options.url)}: ${(err as Error).message}`);
      logger.warn(`PostgreSQL not reachable (${(err as Error).message}); retrying (${attempt}/${attempts - 1})`);
      await new Promise((r) => setTimeout(r, options.retryDelayMs ?? 1000));
    }
  }
}

export function postgresReadiness(db: PgDatabase): ReadinessCheck {
  return {
    name: 'postgres',
    isReady: async () => {
      await db.query('SELECT 1');
      return true;
    },
  };
}
