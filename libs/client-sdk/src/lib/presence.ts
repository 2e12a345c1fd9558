import { Limits, type AckBodies, type PresenceState } from '@parley/contracts/client';
import { ParleyClientError } from './errors';
import { ClientEvent } from './protocol';

type Request = <T extends object>(event: string, payload: unknown, timeoutMs: number) => Promise<T>;

/**
 * Presence subscriptions live per socket on the server: the hub remembers them and
 * subscribes again after every reconnect.
 */
export class PresenceHub {
  private readonly wanted = new Set<string>();
  private readonly known = new Map<string, PresenceState>();

  constructor(
    private readonly request: Request,
    private readonly emit: (p: PresenceState) => void,
    private readonly timeoutMs: number,
  ) {}

  /** Subscribes now if connected (answers the current states), else at the next connect. */
  async subscribe(userIds: string[], connected: boolean): Promise<PresenceState[]> {
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return [];
    if (!connected) {
      ids.forEach((id) => this.wanted.add(id));
      return ids.map((id) => this.known.get(id)).filter((p): p is PresenceState => p !== undefined);
    }
    const states = await this.ask(ids);
    ids.forEach((id) => this.wanted.add(id));
    return states;
  }

  unsubscribeLocally(userIds: string[]): void {
    userIds.forEach((id) => this.wanted.delete(id));
  }

  /**
   * After a reconnect. A user who no longer shares a chat (forbidden) is dropped, the others
   * kept. A refused chunk is halved until the strangers are found: a few requests, not one per
   * user (`presence:subscribe` has a per-user rate limit).
   */
  async resubscribe(): Promise<void> {
    const ids = [...this.wanted];
    const chunk = Limits.groupMaxMembers; // presence:subscribe's most ids per request
    for (let i = 0; i < ids.length; i += chunk) {
      try {
        await this.askDroppingStrangers(ids.slice(i, i + chunk));
      } catch {
        return; // not connected, rate limited, ...: the next connect tries again
      }
    }
  }

  private async askDroppingStrangers(ids: string[]): Promise<void> {
    try {
      await this.ask(ids);
    } catch (err) {
      if (!(err instanceof ParleyClientError) || err.code !== 'forbidden') throw err;
      if (ids.length === 1) {
        this.wanted.delete(ids[0]);
        return;
      }
      const half = Math.ceil(ids.length / 2);
      await this.askDroppingStrangers(ids.slice(0, half));
      await this.askDroppingStrangers(ids.slice(half));
    }
  }

  /** A `presence` event. */
  update(p: PresenceState): void {
    this.known.set(p.userId, p);
    this.emit(p);
  }

  get(userId: string): PresenceState | undefined {
    return this.known.get(userId);
  }

  private async ask(userIds: string[]): Promise<PresenceState[]> {
    const ack = await this.request<AckBodies[typeof ClientEvent.PresenceSubscribe]>(
      ClientEvent.PresenceSubscribe,
      { userIds },
      this.timeoutMs,
    );
    for (const p of ack.presence) this.update(p);
    return ack.presence;
  }
}
