import { ServerEvents } from '@parley/contracts';
import type { ClientConnection } from '../connections/client-connection';
import type { GatewayLimits } from '../security/gateway-limits';
import type { SecurityMetrics } from '../security/security.metrics';

/**
 * Waits in the gateway's one line for replays and catch-ups on connect (REPLAY_CONCURRENCY at
 * once, REPLAY_QUEUE_MAX waiting). Answers the slot's release, or undefined when the client
 * left while waiting or the line is full; in the latter case a still-connected client gets
 * `replay:failed` with `busyMessage` and comes back later (the SDK backs off).
 */
export async function acquireReplaySlot(
  conn: ClientConnection,
  limits: GatewayLimits,
  metrics: SecurityMetrics,
  busyMessage: string,
): Promise<(() => void) | undefined> {
  const left = new AbortController();
  const stopListening = conn.transport.onClose(() => left.abort());
  const release = await limits.replays.acquire(left.signal);
  metrics.replaysWaiting.set(limits.replays.waiting);
  stopListening();
  if (!release) {
    if (conn.connected) {
      metrics.rejected.inc({ reason: 'replay_queue_full' });
      conn.transport.emit(ServerEvents.ReplayFailed, { code: 'unavailable', message: busyMessage });
    }
    return undefined;
  }
  return () => {
    release();
    metrics.replaysWaiting.set(limits.replays.waiting);
  };
}
