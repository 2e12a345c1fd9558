import { IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { ServiceEnv } from '@parley/shared/util-config';

/**
 * How long a service waits on PostgreSQL before it answers `unavailable`. Without them a
 * partitioned or frozen database hangs every request (and piles them up in memory) until the
 * kernel gives up on the TCP connection, minutes later.
 */
export interface PostgresTimeouts {
  /** Server-side `statement_timeout`; the client gives up `QUERY_TIMEOUT_MARGIN_MS` later. */
  statementMs: number;
  /** Connecting, or waiting for a free pooled connection (pg-pool's connectionTimeoutMillis). */
  connectMs: number;
  /** An idle pooled connection is closed after this long. */
  idleMs: number;
  /** Server-side `idle_in_transaction_session_timeout`: a transaction left open frees its locks. */
  idleInTransactionMs: number;
  /** TCP keepalive starts probing an idle connection after this long (a dead peer is noticed). */
  keepAliveDelayMs: number;
}

/**
 * The client-side query timeout is the statement timeout plus this: a slow statement is
 * cancelled by the server first (the connection stays usable); the client's own timer fires
 * only when the server does not answer at all.
 */
const QUERY_TIMEOUT_MARGIN_MS = 1000;

/**
 * The variables every service with a database reads (ServiceEnv's, the URL and the timeouts);
 * its config's env class extends this. DATABASE_POOL_SIZE stays with each app: their bounds differ.
 */
export class PostgresServiceEnv extends ServiceEnv {
  @IsString() @IsNotEmpty() DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/parley';
  @IsInt() @Min(100) @Max(3_600_000) DATABASE_STATEMENT_TIMEOUT_MS = 5000;
  @IsInt() @Min(100) @Max(600_000) DATABASE_CONNECT_TIMEOUT_MS = 3000;
  @IsInt() @Min(1000) @Max(3_600_000) DATABASE_IDLE_TIMEOUT_MS = 30_000;
  @IsInt() @Min(1000) @Max(3_600_000) DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;
  @IsInt() @Min(1000) @Max(3_600_000) DATABASE_KEEPALIVE_DELAY_MS = 10_000;
}

/** The timeouts of PostgresServiceEnv's defaults (its literals: docs/operations.md is checked against them). */
export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = postgresTimeouts(new PostgresServiceEnv());

export function postgresTimeouts(e: PostgresServiceEnv): PostgresTimeouts {
  return {
    statementMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    connectMs: e.DATABASE_CONNECT_TIMEOUT_MS,
    idleMs: e.DATABASE_IDLE_TIMEOUT_MS,
    idleInTransactionMs: e.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    keepAliveDelayMs: e.DATABASE_KEEPALIVE_DELAY_MS,
  };
}

/**
 * node-postgres pool and connection settings for these timeouts (TypeORM passes them as `extra`).
 * `null`: statements without a time limit (migrations: an index build may take long), but
 * still a bounded connect.
 */
export function poolTimeoutSettings(t: PostgresTimeouts | null) {
  if (!t) return { connectionTimeoutMillis: DEFAULT_POSTGRES_TIMEOUTS.connectMs, keepAlive: true };
  return {
    connectionTimeoutMillis: t.connectMs,
    idleTimeoutMillis: t.idleMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: t.keepAliveDelayMs,
    statement_timeout: t.statementMs,
    query_timeout: t.statementMs + QUERY_TIMEOUT_MARGIN_MS,
    idle_in_transaction_session_timeout: t.idleInTransactionMs,
  };
}
