import { randomUUID } from 'node:crypto';
import { MessageAppendBatchV1 } from '@parley/contracts';
import { createDirect, errorOf, newUserId, send, useMessageStore } from '../testing/message-store.harness';

describe('message.append-batch.v1 (real PostgreSQL + NATS)', () => {
  const h = useMessageStore();

  it('answers every item as message.append.v1 would, in order, committing the good ones together', async () => {
    const [alice, bob, mallory] = [newUserId(), newUserId(), newUserId()];
    const chat = await createDirect(h.bus, alice, bob);
    const earlier = await send(h.bus, chat.id, alice, 'before', 'k-old');
    const { results, members } = await h.bus.request(MessageAppendBatchV1, {
      items: [
        { chatId: chat.id, senderId: alice, clientMsgId: 'k1', body: 'one' },
        { chatId: chat.id, senderId: mallory, clientMsgId: 'k2', body: 'not a member' },
        { chatId: chat.id, senderId: bob, clientMsgId: 'k3', body: '' },
        { chatId: randomUUID(), senderId: alice, clientMsgId: 'k4', body: 'nowhere' },
        { chatId: chat.id, senderId: alice, clientMsgId: 'k-old', body: 'resend' },
        { chatId: chat.id, senderId: bob, clientMsgId: 'k5', body: 'two' },
      ],
    });
    expect(
      results.map((r) =>
        r.ok ? `seq ${r.reply.message.seq}${r.reply.created ? '' : ' (stored before)'}` : r.error.code,
      ),
    ).toEqual(['seq 2', 'forbidden', 'invalid', 'not_found', 'seq 1 (stored before)', 'seq 3']);
    // Members once per chat, not per item.
    expect(Object.keys(members)).toEqual([chat.id]);
    expect([...members[chat.id].memberIds].sort()).toEqual([alice, bob].sort());
    expect(members[chat.id].mutedMemberIds).toEqual([]);
    const resend = results[4];
    expect(resend.ok && resend.reply.message).toEqual(earlier.message);
  });

  it('refuses a malformed batch as a whole', async () => {
    expect((await errorOf(h.bus.request(MessageAppendBatchV1, { items: [] }))).code).toBe('invalid');
    expect((await errorOf(h.bus.request(MessageAppendBatchV1, { items: 'x' } as never))).code).toBe('invalid');
  });
});
