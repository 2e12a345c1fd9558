import type { Pool, PoolClient, QueryConfig } from 'pg';
import type { DataSource } from 'typeorm';

/** Something that runs SQL: the pool, or one connection inside a transaction. */
export interface Queryable {
  /** A string with params, or a QueryConfig (with `name`: prepared once per connection). */
  query<R>(sql: string | QueryConfig, params?: unknown[]): Promise<R[]>;
}

/**
 * Raw SQL over the pg pool TypeORM opened. The store's statements (UNNEST batch
 * inserts, ordered row locks, data-modifying CTEs) are plain SQL, so they skip
 * TypeORM's query layer and its per-command result shapes.
 */
export class PgDatabase implements Queryable {
  constructor(private readonly pool: Pool) {}

  static fromDataSource(dataSource: DataSource): PgDatabase {
    return new PgDatabase((dataSource.driver as unknown as { master: Pool }).master);
  }

  async query<R>(sql: string | QueryConfig, params?: unknown[]): Promise<R[]> {
    const result = typeof sql === 'string' ? await this.pool.query(sql, params) : await this.pool.query(sql);
    return result.rows as R[];
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
      const tx: Queryable = {
        query: async <R>(sql: string | QueryConfig, params?: unknown[]) =>
          (typeof sql === 'string' ? await client.query(sql, params) : await client.query(sql)).rows as R[],
      };
      const out = await work(tx);
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
}

/** node-postgres's query_timeout: the statement may still be running on a server that does not answer. */
function isNoAnswer(err: unknown): boolean {
  return err instanceof Error && err.message === 'Query read timeout';
}
