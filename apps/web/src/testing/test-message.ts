import type { Message } from '@parley/contracts/client';

/** A message for the store's specs: `fields` over a plain text one (no reply, edit, deletion or reaction). */
export function testMessage(fields: Pick<Message, 'chatId' | 'seq'> & Partial<Message>): Message {
  return {
    id: `${fields.chatId}-${fields.seq}`,
    senderId: 'bob',
    clientMsgId: `c${fields.seq}`,
    body: `m${fields.seq}`,
    createdAt: '2026-01-01T10:00:00.000Z',
    replyToSeq: null,
    editedAt: null,
    deleted: false,
    reactions: [],
    ...fields,
  };
}
