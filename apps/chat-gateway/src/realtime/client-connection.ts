import { ServerEvents } from '@parley/contracts';
import type { Socket } from 'socket.io';
import type { AccessTokenClaims } from '@parley/shared/util-auth';
import { MessageOrder, type MessageOrderDeps } from '../delivery/message-order';

const WRITE_BUFFER_HIGH_WATER = 256;

/** One authenticated socket and what the gateway keeps for it. */
export class ClientConnection {
  readonly order: MessageOrder;
  /** Users whose presence this socket asked for. */
  readonly watching = new Set<string>();
  private expiryTimer?: NodeJS.Timeout;

  constructor(
    readonly socket: Socket,
    readonly claims: AccessTokenClaims,
    orderDeps: Omit<MessageOrderDeps, 'emit' | 'emitUpdated'>,
  ) {
    this.order = new MessageOrder({
      ...orderDeps,
      emit: (m) => socket.emit(ServerEvents.MessageNew, m),
      emitUpdated: (m) => socket.emit(ServerEvents.MessageUpdated, m),
      // The store refused a gap fill: the user left the chat and its chat:removed was lost.
      onChatGone: (chatId) => socket.emit(ServerEvents.ChatRemoved, { chatId }),
    });
  }

  get id(): string {
    return this.socket.id;
  }

  get userId(): string {
    return this.claims.userId;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Disconnects with reason `unauthorized` when the access token expires. */
  armExpiry(onExpire: () => void): void {
    const ms = this.claims.expiresAt * 1000 - Date.now();
    // setTimeout overflows past ~24.8 days; such tokens are re-armed never (TTL max is 30 days).
    this.expiryTimer = setTimeout(onExpire, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    this.expiryTimer.unref?.();
  }

  /** Resolves when the socket's outgoing buffer is low again (replay backpressure). */
  async writable(timeoutMs = 30_000): Promise<void> {
    const engine = this.socket.conn as unknown as {
      writeBuffer?: unknown[];
      once(e: string, f: () => void): void;
      off?(e: string, f: () => void): void;
    };
    if (!engine.writeBuffer || engine.writeBuffer.length < WRITE_BUFFER_HIGH_WATER) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      engine.once('drain', done);
      this.socket.once('disconnect', done);
    });
  }

  dispose(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.order.dispose();
  }
}
