import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  codePointLength,
  DeleteMessagePayload,
  EditMessagePayload,
  PresenceSubscribePayload,
  ReactMessagePayload,
  ReceiptPayload,
  SendMessagePayload,
} from './payloads';

const chatId = '3f1d2c4b-5a69-4f7e-8d0c-1b2a3c4d5e6f';
const errorsOf = <T extends object>(cls: new () => T, plain: object) =>
  validateSync(plainToInstance(cls, plain)).map((e) => e.property);

describe('socket payloads', () => {
  it('counts code points, not UTF-16 units', () => {
    expect(codePointLength('abc')).toBe(3);
    expect(codePointLength('😀😀')).toBe(2);
    expect('😀😀'.length).toBe(4);
  });

  it('accepts a 4096-emoji body and rejects 4097', () => {
    expect(errorsOf(SendMessagePayload, { chatId, clientMsgId: 'a', body: '😀'.repeat(4096) })).toEqual([]);
    expect(errorsOf(SendMessagePayload, { chatId, clientMsgId: 'a', body: '😀'.repeat(4097) })).toEqual(['body']);
  });

  it('names each bad field of message:send', () => {
    expect(errorsOf(SendMessagePayload, { chatId: 'x', clientMsgId: '', body: '' }).sort()).toEqual([
      'body',
      'chatId',
      'clientMsgId',
    ]);
    expect(errorsOf(SendMessagePayload, { chatId, clientMsgId: 'x'.repeat(65), body: 'b' })).toEqual(['clientMsgId']);
  });

  it('requires upToSeq to be an integer >= 1', () => {
    expect(errorsOf(ReceiptPayload, { chatId, upToSeq: 1 })).toEqual([]);
    for (const upToSeq of [0, -1, 1.5, '2', null])
      expect(errorsOf(ReceiptPayload, { chatId, upToSeq })).toEqual(['upToSeq']);
  });

  it('bounds presence:subscribe to 1..1024 uuids', () => {
    expect(errorsOf(PresenceSubscribePayload, { userIds: [chatId] })).toEqual([]);
    expect(errorsOf(PresenceSubscribePayload, { userIds: [] })).toEqual(['userIds']);
    expect(errorsOf(PresenceSubscribePayload, { userIds: Array(1025).fill(chatId) })).toEqual(['userIds']);
    expect(errorsOf(PresenceSubscribePayload, { userIds: ['nope'] })).toEqual(['userIds']);
  });

  it('takes an optional replyToSeq on send: an integer >= 1 or null, never a numeric string', () => {
    const send = { chatId, clientMsgId: 'a', body: 'b' };
    for (const replyToSeq of [undefined, null, 1, 42])
      expect(errorsOf(SendMessagePayload, { ...send, replyToSeq })).toEqual([]);
    for (const replyToSeq of [0, -1, 1.5, '1'])
      expect(errorsOf(SendMessagePayload, { ...send, replyToSeq })).toEqual(['replyToSeq']);
  });

  it('checks the target of edits, deletes and reactions: a uuid and an integer seq >= 1', () => {
    expect(errorsOf(DeleteMessagePayload, { chatId, seq: 1 })).toEqual([]);
    for (const seq of [0, 1.5, '1', null, undefined])
      expect(errorsOf(DeleteMessagePayload, { chatId, seq })).toEqual(['seq']);
    expect(errorsOf(EditMessagePayload, { chatId: 'x', seq: 1, body: 'b' })).toEqual(['chatId']);
    expect(errorsOf(EditMessagePayload, { chatId, seq: 1, body: '😀'.repeat(4096) })).toEqual([]);
    for (const body of ['', '😀'.repeat(4097), 3, undefined])
      expect(errorsOf(EditMessagePayload, { chatId, seq: 1, body })).toEqual(['body']);
  });

  it('takes an emoji of 1-16 code points, or null; missing is invalid', () => {
    for (const emoji of [null, '👍', '👍🏽', '😀'.repeat(16)])
      expect(errorsOf(ReactMessagePayload, { chatId, seq: 1, emoji })).toEqual([]);
    for (const emoji of [undefined, '', '😀'.repeat(17), 5])
      expect(errorsOf(ReactMessagePayload, { chatId, seq: 1, emoji })).toEqual(['emoji']);
  });
});
