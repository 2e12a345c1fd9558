/**
 * True when a database error means "the database is not answering right now" (connection
 * refused or lost, server shutting down, too many connections, pool exhausted, or one of the
 * pool's timeouts: statement, query, connect): the caller should answer `unavailable`, which
 * is safe to retry. Errors wrapped by TypeORM (QueryFailedError) are judged by their driverError.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message, driverError } = err as { code?: unknown; message?: unknown; driverError?: unknown };
  if (driverError && driverError !== err && isDatabaseUnavailable(driverError)) return true;
  if (typeof code === 'string') {
    // 08: connection exception; 57P01-57P03: shutdown / cannot connect now; 53300: too many connections;
    // 57014: statement cancelled (statement_timeout); 25P03: idle_in_transaction_session_timeout.
    if (code.startsWith('08') || ['57P01', '57P02', '57P03', '53300', '57014', '25P03'].includes(code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code)) return true;
  }
  if (typeof message === 'string') {
    // node-postgres's own messages: "Query read timeout" is query_timeout (the server did not answer at all).
    return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Cannot use a pool after calling end/i.test(
      message,
    );
  }
  return false;
}
