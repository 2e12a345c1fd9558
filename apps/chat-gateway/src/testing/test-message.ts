import type { Message } from '@parley/contracts';

/** A stored message at seq of chatId, as the store answers it; what a test cares about given in `fields`. */
export function testMessage(chatId: string, seq: number, fields: Partial<Message> = {}): Message {
  return {
    id: `${chatId}-${seq}`,
    chatId,
    seq,
    senderId: 'u',
    clientMsgId: `c${seq}`,
    body: `m${seq}`,
    createdAt: new Date(0).toISOString(),
    replyToSeq: null,
    editedAt: null,
    deleted: false,
    reactions: [],
    ...fields,
  };
}
