import type { BatchResponse, Message, TokenMessage } from 'firebase-admin/messaging';
import { FirebasePushSender, type MessagingClient } from './firebase-push-sender';

const msg = (token: string): TokenMessage => ({ token, data: { chatId: 'c' } });
const fail = (code: string, message = code) => ({
  success: false,
  error: Object.assign(new Error(message), { code, toJSON: () => ({}) }),
});
const ok = () => ({ success: true, messageId: 'id' });

function client(sendEach: (messages: Message[]) => Promise<BatchResponse>): MessagingClient & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    sendEach: (messages: Message[]) => {
      calls.push(messages.length);
      return sendEach(messages);
    },
  } as MessagingClient & { calls: number[] };
}

describe('FirebasePushSender', () => {
  it('maps each response to its token: sent, transient, dead-token, rejected', async () => {
    const fake = client(async () => ({
      responses: [
        ok(),
        fail('messaging/server-unavailable'),
        fail('messaging/registration-token-not-registered'),
        fail('messaging/mismatched-credential'),
      ],
      successCount: 1,
      failureCount: 3,
    }));
    const results = await new FirebasePushSender(fake).send(['a', 'b', 'c', 'd'].map(msg));
    expect(results).toEqual([
      { token: 'a', outcome: 'sent' },
      { token: 'b', outcome: 'transient', code: 'messaging/server-unavailable' },
      { token: 'c', outcome: 'dead-token', code: 'messaging/registration-token-not-registered' },
      { token: 'd', outcome: 'rejected', code: 'messaging/mismatched-credential' },
    ]);
  });

  it('sends at most 500 messages per sendEach call', async () => {
    const fake = client(async (messages) => ({
      responses: messages.map(ok),
      successCount: messages.length,
      failureCount: 0,
    }));
    const results = await new FirebasePushSender(fake).send(Array.from({ length: 1201 }, (_, i) => msg(`t${i}`)));
    expect(fake.calls).toEqual([500, 500, 201]);
    expect(results.every((r) => r.outcome === 'sent')).toBe(true);
    expect(results[1200].token).toBe('t1200');
  });

  it('treats a failed call as transient for every token, but keeps what a broken session still answered', async () => {
    const down = client(async () => {
      throw Object.assign(new Error('socket hang up'), { code: 'app/network-error' });
    });
    expect(await new FirebasePushSender(down).send([msg('a'), msg('b')])).toEqual([
      { token: 'a', outcome: 'transient', code: 'app/network-error' },
      { token: 'b', outcome: 'transient', code: 'app/network-error' },
    ]);

    const broken = client(async () => {
      throw Object.assign(new Error('session closed'), {
        code: 'messaging/app/network-error',
        pendingBatchResponse: Promise.resolve({
          responses: [ok(), fail('messaging/internal-error')],
          successCount: 1,
          failureCount: 1,
        }),
      });
    });
    expect(await new FirebasePushSender(broken).send([msg('a'), msg('b')])).toEqual([
      { token: 'a', outcome: 'sent' },
      { token: 'b', outcome: 'transient', code: 'messaging/internal-error' },
    ]);
  });
});
