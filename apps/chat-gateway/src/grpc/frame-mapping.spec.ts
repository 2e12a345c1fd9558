import { ClientEvents, ServerEvents, type Message } from '@parley/contracts';
import type { ClientFrame__Output } from '@parley/contracts/grpc';
import { toAckFrame, toClientEvent, toServerFrame } from './frame-mapping';

const chatId = '6f1c1d0e-8f7a-4a51-9b8e-0c4b5f0e2a11';
const message: Message = {
  id: '0b7c6a52-3d0a-4a38-8d33-7f4b1f1a9c01',
  chatId,
  seq: 7,
  senderId: 'a3c1f1d2-1111-4222-8333-944455556666',
  clientMsgId: 'c-7',
  body: 'hello',
  createdAt: '2026-12-05T04:55:31.123Z',
  replyToSeq: null,
  editedAt: null,
  deleted: false,
  reactions: [{ userId: 'a3c1f1d2-1111-4222-8333-944455556666', emoji: '🎉' }],
};
const frame = (f: Partial<ClientFrame__Output>): ClientFrame__Output => ({ requestId: 1, ...f });

describe('toClientEvent: a client frame as the Socket.IO event and JSON payload it stands for', () => {
  it('maps every kind to its event, fields camelCased as in the JSON contract', () => {
    expect(
      toClientEvent(
        frame({
          kind: 'send',
          send: { chatId, clientMsgId: 'c1', body: 'hi', replyToSeq: 3, _replyToSeq: 'replyToSeq' },
        }),
      ),
    ).toEqual({ event: ClientEvents.MessageSend, payload: { chatId, clientMsgId: 'c1', body: 'hi', replyToSeq: 3 } });
    expect(toClientEvent(frame({ kind: 'send', send: { chatId, clientMsgId: 'c1', body: 'hi' } }))?.payload).toEqual({
      chatId,
      clientMsgId: 'c1',
      body: 'hi',
    });
    expect(toClientEvent(frame({ kind: 'delivered', delivered: { chatId, upToSeq: 4 } }))).toEqual({
      event: ClientEvents.MessageDelivered,
      payload: { chatId, upToSeq: 4 },
    });
    expect(toClientEvent(frame({ kind: 'read', read: { chatId, upToSeq: 4 } }))?.event).toBe(ClientEvents.MessageRead);
    expect(toClientEvent(frame({ kind: 'typing', typing: { chatId, isTyping: true } }))).toEqual({
      event: ClientEvents.Typing,
      payload: { chatId, isTyping: true },
    });
    expect(toClientEvent(frame({ kind: 'presenceSubscribe', presenceSubscribe: { userIds: [chatId] } }))).toEqual({
      event: ClientEvents.PresenceSubscribe,
      payload: { userIds: [chatId] },
    });
    expect(toClientEvent(frame({ kind: 'edit', edit: { chatId, seq: 2, body: 'b' } }))).toEqual({
      event: ClientEvents.MessageEdit,
      payload: { chatId, seq: 2, body: 'b' },
    });
    expect(toClientEvent(frame({ kind: 'delete', delete: { chatId, seq: 2 } }))).toEqual({
      event: ClientEvents.MessageDelete,
      payload: { chatId, seq: 2 },
    });
  });

  it('react: an unset emoji removes the caller reaction (JSON null)', () => {
    expect(toClientEvent(frame({ kind: 'react', react: { chatId, seq: 2 } }))?.payload).toEqual({
      chatId,
      seq: 2,
      emoji: null,
    });
    expect(toClientEvent(frame({ kind: 'react', react: { chatId, seq: 2, emoji: '👍' } }))?.payload).toEqual({
      chatId,
      seq: 2,
      emoji: '👍',
    });
  });

  it('no kind: undefined (the handler acks it invalid)', () => {
    expect(toClientEvent(frame({}))).toBeUndefined();
  });
});

describe('toServerFrame: a server event as its frame', () => {
  it('messages: JSON nulls become unset optional fields, times stay strings, eventSeq set when known', () => {
    expect(toServerFrame(ServerEvents.MessageNew, message, { eventSeq: 12 })).toEqual({
      eventSeq: 12,
      messageNew: {
        id: message.id,
        chatId,
        seq: 7,
        senderId: message.senderId,
        clientMsgId: 'c-7',
        body: 'hello',
        createdAt: '2026-12-05T04:55:31.123Z',
        deleted: false,
        reactions: message.reactions,
      },
    });
    const edited = { ...message, replyToSeq: 2, editedAt: '2026-12-05T05:00:00.000Z' };
    expect(toServerFrame(ServerEvents.MessageUpdated, edited)).toEqual({
      messageUpdated: expect.objectContaining({ replyToSeq: 2, editedAt: '2026-12-05T05:00:00.000Z' }),
    });
  });

  it('receipts, typing, presence, chats, resync', () => {
    const receipt = { chatId, userId: message.senderId, type: 'read' as const, upToSeq: 3, at: message.createdAt };
    expect(toServerFrame(ServerEvents.Receipt, receipt, { eventSeq: 5 })).toEqual({ eventSeq: 5, receipt });
    const typing = { chatId, userId: message.senderId, isTyping: true };
    expect(toServerFrame(ServerEvents.Typing, typing)).toEqual({ typing });
    expect(toServerFrame(ServerEvents.Presence, { userId: chatId, online: true, lastSeenAt: null })).toEqual({
      presence: { userId: chatId, online: true },
    });
    expect(
      toServerFrame(ServerEvents.Presence, { userId: chatId, online: false, lastSeenAt: message.createdAt }),
    ).toEqual({ presence: { userId: chatId, online: false, lastSeenAt: message.createdAt } });
    const chat = {
      id: chatId,
      type: 'group' as const,
      title: null,
      members: [{ userId: message.senderId, role: 'admin' as const, joinedAt: message.createdAt }],
      createdAt: message.createdAt,
      lastSeq: 0,
      memberCount: 40,
    };
    expect(toServerFrame(ServerEvents.ChatNew, chat, { eventSeq: 1 })).toEqual({
      eventSeq: 1,
      chatNew: {
        id: chatId,
        type: 'group',
        members: chat.members,
        createdAt: message.createdAt,
        lastSeq: 0,
        memberCount: 40,
      },
    });
    expect(toServerFrame(ServerEvents.ChatUpdated, { ...chat, title: 't' })?.chatUpdated?.title).toBe('t');
    expect(toServerFrame(ServerEvents.ChatRemoved, { chatId }, { eventSeq: 9 })).toEqual({
      eventSeq: 9,
      chatRemoved: { chatId },
    });
    expect(toServerFrame(ServerEvents.ResyncRequired, { oldestEventSeq: 40 })).toEqual({
      resyncRequired: { oldestEventSeq: 40 },
    });
  });

  it('replay:failed and error have no frame (they are call statuses)', () => {
    expect(toServerFrame(ServerEvents.ReplayFailed, { code: 'unavailable', message: 'm' })).toBeUndefined();
    expect(toServerFrame(ServerEvents.Error, { code: 'unauthorized', message: 'm' })).toBeUndefined();
  });
});

describe('toAckFrame', () => {
  it('ok acks carry the message, presence and eventSeq the JSON ack has; errors their code', () => {
    expect(toAckFrame(3, { ok: true, message, eventSeq: 8 })).toEqual({
      ack: { requestId: 3, ok: true, message: expect.objectContaining({ id: message.id, seq: 7 }), eventSeq: 8 },
    });
    expect(toAckFrame(4, { ok: true, presence: [{ userId: chatId, online: false, lastSeenAt: null }] })).toEqual({
      ack: { requestId: 4, ok: true, presence: [{ userId: chatId, online: false }] },
    });
    expect(toAckFrame(5, { ok: true })).toEqual({ ack: { requestId: 5, ok: true } });
    expect(toAckFrame(6, { ok: false, error: { code: 'forbidden', message: 'not a member' } })).toEqual({
      ack: { requestId: 6, ok: false, error: { code: 'forbidden', message: 'not a member' } },
    });
  });
});
