import { IsInt, Max, Min } from 'class-validator';

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

export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = {
  statementMs: 5000,
  connectMs: 3000,
  idleMs: 30_000,
  idleInTransactionMs: 10_000,
  keepAliveDelayMs: 10_000,
};

/**
 * The client-side query timeout is the statement timeout plus this: a slow statement is
 * cancelled by the server first (the connection stays usable); the client's own timer fires
 * only when the server does not answer at all.
 */
const QUERY_TIMEOUT_MARGIN_MS = 1000;

/** The variables every service with a database reads; its config's env class extends this. */
export class PostgresTimeoutsEnv {
  @IsInt() @Min(100) @Max(3_600_000) DATABASE_STATEMENT_TIMEOUT_MS = DEFAULT_POSTGRES_TIMEOUTS.statementMs;
  @IsInt() @Min(100) @Max(600_000) DATABASE_CONNECT_TIMEOUT_MS = DEFAULT_POSTGRES_TIMEOUTS.connectMs;
  @IsInt() @Min(1000) @Max(3_600_000) DATABASE_IDLE_TIMEOUT_MS = DEFAULT_POSTGRES_TIMEOUTS.idleMs;
  @IsInt() @Min(1000) @Max(3_600_000) DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS =
    DEFAULT_POSTGRES_TIMEOUTS.idleInTransactionMs;
  @IsInt() @Min(1000) @Max(3_600_000) DATABASE_KEEPALIVE_DELAY_MS = DEFAULT_POSTGRES_TIMEOUTS.keepAliveDelayMs;
}

export function postgresTimeouts(e: PostgresTimeoutsEnv): PostgresTimeouts {
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
