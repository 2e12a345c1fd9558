import { Injectable } from '@nestjs/common';
import { ServerEvents, type Delivery } from '@parley/contracts';
import { ConnectionRegistry } from '../connections/connection-registry';
import type { EventOrder } from './event-order';

/** Hands a routed event to this instance's sockets of its recipients. */
@Injectable()
export class LocalDelivery {
  constructor(private readonly registry: ConnectionRegistry) {}

  deliver(delivery: Delivery): void {
    delivery.userIds.forEach((userId, i) => {
      const eventSeq = delivery.eventSeqs?.[i] || undefined;
      for (const conn of this.registry.connectionsOf(userId)) {
        if (conn.events && delivery.kind !== 'typing') {
          this.toStream(conn.events, delivery, eventSeq, conn.id);
          continue;
        }
        const meta = eventSeq === undefined ? undefined : { eventSeq };
        switch (delivery.kind) {
          case 'message':
            if (conn.id !== delivery.exceptSocketId) conn.offerMessage(delivery.message, eventSeq);
            break;
          case 'message:updated':
            if (conn.id !== delivery.exceptSocketId) conn.offerUpdate(delivery.message, eventSeq);
            break;
          case 'receipt':
            if (conn.id !== delivery.exceptSocketId) conn.transport.emit(ServerEvents.Receipt, delivery.receipt, meta);
            break;
          case 'typing':
            conn.transport.emit(ServerEvents.Typing, {
              chatId: delivery.chatId,
              userId: delivery.userId,
              isTyping: delivery.isTyping,
            });
            break;
          case 'chat:new':
            conn.order.setCursor(delivery.chat.id, delivery.chat.lastSeq + 1);
            conn.transport.emit(ServerEvents.ChatNew, delivery.chat, meta);
            break;
          case 'chat:updated':
            conn.transport.emit(ServerEvents.ChatUpdated, delivery.chat, meta);
            break;
          case 'chat:removed':
            conn.order.forget(delivery.chatId);
            conn.transport.emit(ServerEvents.ChatRemoved, { chatId: delivery.chatId }, meta);
            break;
        }
      }
    });
  }

  /** A `since` connection: stream events in eventSeq order; one without an eventSeq makes it look in the store. */
  private toStream(events: EventOrder, delivery: Delivery, eventSeq: number | undefined, socketId: string): void {
    if ('exceptSocketId' in delivery && delivery.exceptSocketId === socketId) return;
    if (delivery.kind === 'receipt' && delivery.legacyOnly) return;
    if (eventSeq === undefined) return events.probe();
    switch (delivery.kind) {
      case 'message':
        return events.offer({ eventSeq, type: 'message:new', payload: delivery.message });
      case 'message:updated':
        return events.offer({ eventSeq, type: 'message:updated', payload: delivery.message });
      case 'receipt':
        return events.offer({ eventSeq, type: 'receipt', payload: delivery.receipt });
      case 'chat:new':
      case 'chat:updated':
        return events.offer({ eventSeq, type: delivery.kind, payload: delivery.chat });
      case 'chat:removed':
        return events.offer({ eventSeq, type: 'chat:removed', payload: { chatId: delivery.chatId } });
      case 'typing':
        return; // ephemeral: not in the stream (delivered above like v1)
    }
  }
}
