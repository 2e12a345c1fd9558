import type { Pool, PoolClient, QueryConfig, QueryResult } from 'pg';

/** Something that runs SQL: the pool, or one connection inside a transaction. */
export interface Queryable {
  /** A string with params, or a QueryConfig (with `name`: prepared once per connection). */
  query<R>(sql: string | QueryConfig, params?: unknown[]): Promise<R[]>;
  /** An INSERT/UPDATE/DELETE without RETURNING: how many rows it touched. */
  execute(sql: string | QueryConfig, params?: unknown[]): Promise<number>;
}

type Runner = Pick<Pool | PoolClient, 'query'>;

function run(on: Runner, sql: string | QueryConfig, params?: unknown[]): Promise<QueryResult> {
  return typeof sql === 'string' ? on.query(sql, params) : on.query(sql);
}

function queryable(on: Runner): Queryable {
  return {
    query: async <R>(sql: string | QueryConfig, params?: unknown[]) => (await run(on, sql, params)).rows as R[],
    execute: async (sql: string | QueryConfig, params?: unknown[]) => (await run(on, sql, params)).rowCount ?? 0,
  };
}

/**
 * Every repository's access to PostgreSQL: plain SQL on a node-postgres pool (see
 * openPgDatabase). The statements (UNNEST batch inserts, ordered row locks, upserts,
 * data-modifying CTEs, prepared statements on the append path) are SQL anyway, so no ORM
 * query layer sits between them and the driver.
 */
export class PgDatabase implements Queryable {
  private readonly direct: Queryable;

  constructor(private readonly pool: Pool) {
    this.direct = queryable(pool);
  }

  query<R>(sql: string | QueryConfig, params?: unknown[]): Promise<R[]> {
    return this.direct.query<R>(sql, params);
  }

  execute(sql: string | QueryConfig, params?: unknown[]): Promise<number> {
    return this.direct.execute(sql, params);
  }

  /** BEGIN ... COMMIT on one connection; ROLLBACK and rethrow on any failure. */
  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    let broken: Error | undefined;
    // A connection dropped while checked out (PostgreSQL restarted) emits 'error': unheard,
    // it would crash the process. The running query fails too, and the client is discarded.
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const out = await work(queryable(client));
      await client.query('COMMIT');
      return out;
    } catch (err) {
      if (broken || isNoAnswer(err)) {
        // The server did not answer (query_timeout) or the connection is gone: a ROLLBACK would
        // wait as long again. Discarding the connection ends the transaction on the server.
        broken ??= err as Error;
        throw err;
      }
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        // The connection itself is gone: do not return it to the pool.
        broken = rollbackErr as Error;
      }
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  /** Closes every pooled connection (application shutdown). */
  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}

/** node-postgres's query_timeout: the statement may still be running on a server that does not answer. */
function isNoAnswer(err: unknown): boolean {
  return err instanceof Error && err.message === 'Query read timeout';
}
