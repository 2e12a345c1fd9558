import type { ChatEvent, Message, Receipt } from '../lib/models';
import { event, type EventContract } from './contract';

/**
 * What one gateway instance hands to another for its own sockets. `userIds` are
 * the recipients that instance holds; it delivers to each of their connections.
 * `eventSeqs` (aligned with userIds) is each recipient's eventSeq of the event, when it has one.
 */
export type Delivery = (
  | { kind: 'message'; userIds: string[]; message: Message; exceptSocketId?: string }
  | { kind: 'message:updated'; userIds: string[]; message: Message; exceptSocketId?: string }
  /** `legacyOnly`: a delivered receipt that a read also moved: only v1 connections (no `since`) get it. */
  | { kind: 'receipt'; userIds: string[]; receipt: Receipt; exceptSocketId?: string; legacyOnly?: boolean }
  | { kind: 'typing'; userIds: string[]; chatId: string; userId: string; isTyping: boolean }
  | { kind: 'chat:new'; userIds: string[]; chat: ChatEvent }
  | { kind: 'chat:updated'; userIds: string[]; chat: ChatEvent }
  | { kind: 'chat:removed'; userIds: string[]; chatId: string }
) & { eventSeqs?: number[] };

/** Each gateway instance listens on its own subject only (routing, not broadcast). */
export function gatewayDeliverV1(instanceId: string): EventContract<Delivery> {
  return event<Delivery>(`gateway.${instanceId}.deliver.v1`);
}

export interface ChatMembershipChanged {
  chatId: string;
}
/** Broadcast to every gateway: drop cached membership of this chat. */
export const ChatMembershipChangedV1 = event<ChatMembershipChanged>('chat.membership-changed.v1');
