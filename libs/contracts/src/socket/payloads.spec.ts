import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { codePointLength, PresenceSubscribePayload, ReceiptPayload, SendMessagePayload } from './payloads';

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
});
