/**
 * Requests made through this lib's clients (HTTP and Socket.IO acks) and their answers by
 * code: `ok`, an error code (`unavailable`, `rate_limited`, ...), `http_<status>` for an error
 * without a code, `timeout` / `disconnected` / `network_error` for no answer. The fault and
 * abuse suites report it per scenario (takeAnswerTally() between scenarios).
 */
const byCode = new Map<string, number>();

export function countAnswer(code: string): void {
  byCode.set(code, (byCode.get(code) ?? 0) + 1);
}

/** An ack's code: `ok`, its error code, or what kept it from coming. */
export function countAck<T>(ack: Promise<T>): Promise<T> {
  return ack.then(
    (reply) => {
      const r = reply as { ok?: boolean; error?: { code?: string } } | undefined;
      countAnswer(r?.ok ? 'ok' : (r?.error?.code ?? 'unknown'));
      return reply;
    },
    (err: unknown) => {
      countAnswer(/timed out|timeout/i.test((err as Error)?.message ?? '') ? 'timeout' : 'disconnected');
      throw err;
    },
  );
}

/** The tally since the last call (then starts over): requests tried and answers by code. */
export function takeAnswerTally(): { tried: number; byCode: Record<string, number> } {
  const out = Object.fromEntries([...byCode].sort((a, b) => b[1] - a[1]));
  byCode.clear();
  return { tried: Object.values(out).reduce((a, b) => a + b, 0), byCode: out };
}
