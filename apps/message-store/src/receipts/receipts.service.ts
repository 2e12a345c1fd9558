import { Injectable } from '@nestjs/common';
import { ParleyError, type MessageReceipt, type ReceiptMoveReply } from '@parley/contracts';
import {
  ChatsRepository,
  EventsRepository,
  MessagesRepository,
  ReceiptsRepository,
} from '@parley/message-store/data-access-messages';
import { requireMember } from '../common/chat-access';
import { requireInt, requireObject, requireOneOf, requireUuid } from '../common/request-checks';

@Injectable()
export class ReceiptsService {
  constructor(
    private readonly chats: ChatsRepository,
    private readonly messages: MessagesRepository,
    private readonly receipts: ReceiptsRepository,
    private readonly events: EventsRepository,
  ) {}

  /** Watermarks only move forward; upToSeq above lastSeq is clamped; read implies delivered. */
  async move(req: unknown): Promise<ReceiptMoveReply> {
    const r = requireObject(req);
    const chatId = requireUuid(r['chatId'], 'chatId');
    const userId = requireUuid(r['userId'], 'userId');
    const type = requireOneOf(r['type'], 'type', ['delivered', 'read'] as const);
    const upToSeq = requireInt(r['upToSeq'], 'upToSeq', 1);
    const chat = await this.chats.accessWithMembers(chatId);
    if (!chat) throw new ParleyError('not_found', 'no such chat');
    if (!chat.memberIds.includes(userId)) throw new ParleyError('forbidden', 'not a member of this chat');
    // The move and its one `receipt` event per member commit together (the member row is
    // locked first, the users' event heads last, in id order).
    return this.receipts.transaction(async (q) => {
      const receipts = await this.receipts.move(chatId, userId, type, upToSeq, q);
      if (receipts.length === 0) return { receipts, memberIds: chat.memberIds };
      const seqs = await this.events.append(
        q,
        chatId,
        chat.memberIds.map((id) => ({ userId: id, type: 'receipt' as const, payload: 0 })),
        [receipts[receipts.length - 1]],
      );
      return { receipts, memberIds: chat.memberIds, eventSeqs: chat.memberIds.map((id) => seqs.get(id) ?? 0) };
    });
  }

  async list(req: unknown): Promise<MessageReceipt[]> {
    const r = requireObject(req);
    const chatId = requireUuid(r['chatId'], 'chatId');
    const userId = requireUuid(r['userId'], 'userId');
    const seq = requireInt(r['seq'], 'seq', 1);
    requireMember(await this.chats.access(chatId, userId));
    const senderId = await this.messages.senderOf(chatId, seq);
    if (!senderId) throw new ParleyError('not_found', 'no such message');
    return this.receipts.forMessage(chatId, seq, senderId);
  }
}
