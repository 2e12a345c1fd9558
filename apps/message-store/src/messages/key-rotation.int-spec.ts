import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChatListV1, MessageHistoryV1 } from '@parley/contracts';
import { bootstrap } from '../bootstrap';
import { appendMessageKey, createDirect, newUserId, send, useMessageStore } from '../testing/message-store.harness';

describe('message encryption keys (real PostgreSQL + NATS)', () => {
  const h = useMessageStore();

  it('rows written with k1 stay readable after k2 becomes the active key', async () => {
    const [alice, bob] = [newUserId(), newUserId()];
    const chatId = (await createDirect(h.bus, alice, bob)).id;
    const old = await send(h.bus, chatId, alice, 'written under k1', 'c1');

    appendMessageKey(h.keys.messageKeysFile, 'k2');
    await h.restartApp();

    const fresh = await send(h.bus, chatId, bob, 'written under k2', 'c2');
    const keyIds = await h.sql.query(
      `SELECT seq::int, key_id FROM message_store.messages WHERE chat_id = $1 ORDER BY seq`,
      [chatId],
    );
    expect(keyIds.rows).toEqual([
      { seq: 1, key_id: 'k1' },
      { seq: 2, key_id: 'k2' },
    ]);
    const page = await h.bus.request(MessageHistoryV1, { chatId, userId: bob, limit: 10 });
    expect(page.messages).toEqual([old.message, fresh.message]);
    // The resend path decrypts the old row too.
    expect((await send(h.bus, chatId, alice, 'other body', 'c1')).message).toEqual(old.message);
    expect((await h.bus.request(ChatListV1, { userId: alice })).chats[0].lastMessage).toEqual(fresh.message);
  });

  it('refuses to start without a valid key, saying why', async () => {
    const empty = join(h.keys.dir, 'empty-keys');
    writeFileSync(empty, '\n');
    await expect(bootstrap({ ...h.env, MESSAGE_STORE_PORT: '0', MESSAGE_ENCRYPTION_KEYS_FILE: empty })).rejects.toThrow(
      /MESSAGE_ENCRYPTION_KEYS/,
    );
    await expect(
      bootstrap({ ...h.env, MESSAGE_STORE_PORT: '0', MESSAGE_ENCRYPTION_KEYS: 'k1:tooshort' }),
    ).rejects.toThrow(/message key "k1" is \d+ bytes, AES-256 needs 32/);
  });
});
