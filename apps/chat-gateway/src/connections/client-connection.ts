import type { Message } from '@parley/contracts';
import type { AccessTokenClaims } from '@parley/shared/util-auth';
import { EventOrder } from '../delivery/event-order';
import { MessageOrder } from '../delivery/message-order';
import type { ConnectionTransport } from './connection-transport';
import { EventSink, MessageSink, type SharedEventDeps, type SharedOrderDeps } from './order-sinks';

/**
 * One authenticated connection (a Socket.IO socket or a gRPC stream) and what the gateway keeps
 * for it. An idle connection is what bounds how many users one process holds: what it needs
 * only once it is busy (eventSeq maps, presence watches) is made on first use.
 */
export class ClientConnection {
  /** v1 connections (no `since`): per-chat seq order and replay. */
  readonly order: MessageOrder;
  /** `since` connections: the user's event stream in eventSeq order (replaces `order`'s emitting). */
  readonly events?: EventOrder;
  private readonly sink: MessageSink;
  /** Users whose presence this connection asked for (ConnectionRegistry makes it on the first watch). */
  watching?: Set<string>;
  /** Its place in the gateway's ExpirySchedule (token expiry); -1 when not in it. */
  expirySlot = -1;

  constructor(
    readonly transport: ConnectionTransport,
    readonly claims: AccessTokenClaims,
    orderDeps: SharedOrderDeps,
    stream?: { deps: SharedEventDeps; since: number },
  ) {
    if (stream) this.events = new EventOrder(new EventSink(transport, claims.userId, stream.deps), stream.since);
    this.sink = new MessageSink(transport, claims.userId, orderDeps);
    this.order = new MessageOrder(this.sink);
  }

  /** A live message for a v1 connection, with this user's eventSeq of it when known. */
  offerMessage(message: Message, eventSeq: number | undefined): void {
    if (eventSeq !== undefined) this.sink.noteMessage(message, eventSeq);
    this.order.offer(message);
  }

  /** A live message:updated for a v1 connection (MessageOrder holds it behind the message itself). */
  offerUpdate(message: Message, eventSeq: number | undefined): void {
    if (eventSeq !== undefined) this.sink.noteUpdate(message, eventSeq);
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

  /** Resolves when the connection's outgoing buffer is low again (replay backpressure). */
  writable(timeoutMs = 30_000): Promise<void> {
    return this.transport.writable(timeoutMs);
  }

  dispose(): void {
    this.order.dispose();
    this.events?.dispose();
  }
}
