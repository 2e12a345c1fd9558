import {
  ServerEvents,
  type ChatEvent,
  type ChatRemovedEvent,
  type Message,
  type Receipt,
  type StreamEvent,
} from '@parley/contracts';
import type { AccessTokenClaims } from '@parley/shared/util-auth';
import { EventOrder, type EventOrderDeps } from '../delivery/event-order';
import { MessageOrder, type MessageOrderDeps } from '../delivery/message-order';
import type { ConnectionTransport } from './connection-transport';

/** One authenticated connection (a Socket.IO socket or a gRPC stream) and what the gateway keeps for it. */
export class ClientConnection {
  /** v1 connections (no `since`): per-chat seq order and replay. */
  readonly order: MessageOrder;
  /** `since` connections: the user's event stream in eventSeq order (replaces `order`'s emitting). */
  readonly events?: EventOrder;
  /** A live message's eventSeq for this user, until MessageOrder emits it (the Message is shared). */
  private readonly messageEventSeqs = new WeakMap<Message, number>();
  private readonly updateEventSeqs = new WeakMap<Message, number>();
  /** Users whose presence this connection asked for. */
  readonly watching = new Set<string>();
  private expiryTimer?: NodeJS.Timeout;

  constructor(
    readonly transport: ConnectionTransport,
    readonly claims: AccessTokenClaims,
    orderDeps: Omit<MessageOrderDeps, 'emit' | 'emitUpdated'>,
    eventDeps?: Omit<EventOrderDeps, 'emit' | 'onResync'> & { since: number },
  ) {
    if (eventDeps) {
      this.events = new EventOrder(
        {
          ...eventDeps,
          emit: (e) => emitStreamEvent(transport, e),
          onResync: (oldestEventSeq) => transport.emit(ServerEvents.ResyncRequired, { oldestEventSeq }),
        },
        eventDeps.since,
      );
    }
    this.order = new MessageOrder({
      ...orderDeps,
      emit: (m) => transport.emit(ServerEvents.MessageNew, m, ...eventSeqMeta(this.messageEventSeqs.get(m))),
      emitUpdated: (m) => transport.emit(ServerEvents.MessageUpdated, m, ...eventSeqMeta(this.updateEventSeqs.get(m))),
      // The store refused a gap fill: the user left the chat and its chat:removed was lost.
      onChatGone: (chatId) => transport.emit(ServerEvents.ChatRemoved, { chatId }),
    });
  }

  /** A live message for a v1 connection, with this user's eventSeq of it when known. */
  offerMessage(message: Message, eventSeq: number | undefined): void {
    if (eventSeq !== undefined) this.messageEventSeqs.set(message, eventSeq);
    this.order.offer(message);
  }

  /** A live message:updated for a v1 connection (MessageOrder holds it behind the message itself). */
  offerUpdate(message: Message, eventSeq: number | undefined): void {
    if (eventSeq !== undefined) this.updateEventSeqs.set(message, eventSeq);
    this.order.updated(message);
  }

  /**
   * This connection sent seq in chatId itself and has it in its ack: its MessageOrder never sends
   * it. A `since` connection's own message is marked in its event stream instead (markOwnEvent):
   * its MessageOrder must not start following the chat, or the heads repair would send it the
   * chat's messages again.
   */
  markOwnMessage(chatId: string, seq: number): void {
    if (!this.events) this.order.markOwn(chatId, seq);
  }

  /** This connection made eventSeq itself and has it in its ack: its event stream never sends it (v1: no stream). */
  markOwnEvent(eventSeq: number): void {
    this.events?.markOwn(eventSeq);
  }

  /** Something happened for this user whose eventSeq is not known here: the event stream looks in the store (v1: no stream). */
  probeEvents(): void {
    this.events?.probe();
  }

  get id(): string {
    return this.transport.id;
  }

  get userId(): string {
    return this.claims.userId;
  }

  get connected(): boolean {
    return this.transport.connected;
  }

  /** Disconnects with reason `unauthorized` when the access token expires. */
  armExpiry(onExpire: () => void): void {
    const ms = this.claims.expiresAt * 1000 - Date.now();
    // setTimeout overflows past ~24.8 days; such tokens are re-armed never (TTL max is 30 days).
    this.expiryTimer = setTimeout(onExpire, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    this.expiryTimer.unref?.();
  }

  /** Resolves when the connection's outgoing buffer is low again (replay backpressure). */
  writable(timeoutMs = 30_000): Promise<void> {
    return this.transport.writable(timeoutMs);
  }

  dispose(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.order.dispose();
    this.events?.dispose();
  }
}

/** The third argument of a v1 connection's message:new or message:updated: this user's eventSeq of it, when known. */
function eventSeqMeta(eventSeq: number | undefined): [] | [{ eventSeq: number }] {
  return eventSeq === undefined ? [] : [{ eventSeq }];
}

/** A stream event with its eventSeq as the 2nd argument (the names are the contract's constants). */
function emitStreamEvent(transport: ConnectionTransport, e: StreamEvent): void {
  const meta = { eventSeq: e.eventSeq };
  switch (e.type) {
    case 'message:new':
      transport.emit(ServerEvents.MessageNew, e.payload as Message, meta);
      break;
    case 'message:updated':
      transport.emit(ServerEvents.MessageUpdated, e.payload as Message, meta);
      break;
    case 'receipt':
      transport.emit(ServerEvents.Receipt, e.payload as Receipt, meta);
      break;
    case 'chat:new':
      transport.emit(ServerEvents.ChatNew, e.payload as ChatEvent, meta);
      break;
    case 'chat:updated':
      transport.emit(ServerEvents.ChatUpdated, e.payload as ChatEvent, meta);
      break;
    case 'chat:removed':
      transport.emit(ServerEvents.ChatRemoved, e.payload as ChatRemovedEvent, meta);
      break;
  }
}
