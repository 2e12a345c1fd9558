import type { SendLog } from './traffic';

/** A request slower than this counts as trouble (the apps answer in milliseconds here). */
export const SLOW_MS = 1000;
/** Every client must be served again within this after its first failed or slow request. */
export const SERVED_AGAIN_WITHIN_MS = 10_000;

export type Attempt = { startedAt: number; endedAt: number; ok: boolean };

export const slow = (a: Attempt) => a.endedAt - a.startedAt > SLOW_MS;

/**
 * One client's recovery: from the start of its first failed or slow (> SLOW_MS) attempt ending
 * after `since`, to the answer of its first fast successful attempt started after that.
 * Undefined when nothing touched it; Infinity when it was never served again.
 */
export function servedAgainMs(attempts: Attempt[], since: number): number | undefined {
  const trouble = attempts.filter((a) => a.endedAt >= since && (!a.ok || slow(a)));
  if (trouble.length === 0) return undefined;
  const firstTrouble = Math.min(...trouble.map((a) => a.startedAt));
  const served = attempts.filter((a) => a.ok && !slow(a) && a.startedAt >= firstTrouble).map((a) => a.endedAt);
  return served.length > 0 ? Math.min(...served) - firstTrouble : Number.POSITIVE_INFINITY;
}

/** servedAgainMs of every sending client a fault touched (those it did not touch are not counted). */
export function recovery(
  log: SendLog,
  since: number,
): { affectedClients: number; maxMs: number; byClientMs: number[]; longestSendMs: number } {
  const bySender = new Map<string, Attempt[]>();
  let longestSendMs = 0;
  for (const r of log.records.values()) {
    const attempts = bySender.get(r.senderId) ?? [];
    attempts.push(...r.attemptAcks.map((a) => ({ startedAt: a.startedAt, endedAt: a.ackAt, ok: true })));
    attempts.push(...r.attemptFailures.map((f) => ({ ...f, ok: false })));
    bySender.set(r.senderId, attempts);
    if (r.ackAt && r.ackAt >= since) longestSendMs = Math.max(longestSendMs, r.ackAt - r.firstAttemptAt);
  }
  const byClientMs = [...bySender.values()]
    .map((attempts) => servedAgainMs(attempts, since))
    .filter((ms): ms is number => ms !== undefined);
  byClientMs.sort((a, b) => a - b);
  return {
    affectedClients: byClientMs.length,
    maxMs: byClientMs.length ? byClientMs[byClientMs.length - 1] : 0,
    byClientMs,
    longestSendMs,
  };
}
