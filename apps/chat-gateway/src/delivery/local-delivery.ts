import { Injectable } from '@nestjs/common';
import { ServerEvents, type Delivery } from '@parley/contracts';
import { ConnectionRegistry } from '../realtime/connection-registry';

/** Hands a routed event to this instance's sockets of its recipients. */
@Injectable()
export class LocalDelivery {
  constructor(private readonly registry: ConnectionRegistry) {}

  deliver(delivery: Delivery): void {
    for (const userId of delivery.userIds) {
      for (const conn of this.registry.connectionsOf(userId)) {
        switch (delivery.kind) {
          case 'message':
            if (conn.id !== delivery.exceptSocketId) conn.order.offer(delivery.message);
            break;
          case 'message:updated':
            if (conn.id !== delivery.exceptSocketId) conn.order.updated(delivery.message);
            break;
          case 'receipt':
            conn.socket.emit(ServerEvents.Receipt, delivery.receipt);
            break;
          case 'typing':
            conn.socket.emit(ServerEvents.Typing, {
              chatId: delivery.chatId,
              userId: delivery.userId,
              isTyping: delivery.isTyping,
            });
            break;
          case 'chat:new':
            conn.order.setCursor(delivery.chat.id, delivery.chat.lastSeq + 1);
            conn.socket.emit(ServerEvents.ChatNew, delivery.chat);
            break;
          case 'chat:updated':
            conn.socket.emit(ServerEvents.ChatUpdated, delivery.chat);
            break;
          case 'chat:removed':
            conn.order.forget(delivery.chatId);
            conn.socket.emit(ServerEvents.ChatRemoved, { chatId: delivery.chatId });
            break;
        }
      }
    }
  }
}
