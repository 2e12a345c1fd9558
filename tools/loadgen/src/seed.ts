import { Client } from 'pg';
import type { Population, PopulationChat, PopulationUser } from './population';

const CHUNK = 5000;

/**
 * Writes a population straight into a Parley database (auth.users, message_store.chats
 * and chat_members), exactly the rows auth and message-store would have written for
 * register + POST /v1/chats. Only for benchmark stacks the caller owns: it bypasses the
 * services on purpose, so setting up 20,000 users takes seconds. Passwords are unusable
 * (logins are not part of a load run; tokens come with the population).
 */
export async function applyPopulationSql(databaseUrl: string, population: Population): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('BEGIN');
    for (let i = 0; i < population.users.length; i += CHUNK) {
      const users = population.users.slice(i, i + CHUNK);
      await db.query(
        `INSERT INTO auth.users (id, username, display_name, password_hash)
         SELECT id, username, username, 'disabled' FROM unnest($1::uuid[], $2::text[]) AS u(id, username)`,
        [users.map((u) => u.id), users.map((u) => u.username)],
      );
    }
    for (let i = 0; i < population.chats.length; i += CHUNK) {
      const chats = population.chats.slice(i, i + CHUNK);
      await db.query(
        `INSERT INTO message_store.chats (id, type, title, direct_key)
         SELECT id, type, title, direct_key FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS c(id, type, title, direct_key)`,
        [
          chats.map((c) => c.id),
          chats.map((c) => c.type),
          chats.map((c, k) => (c.type === 'group' ? `loadgen group ${i + k}` : null)),
          chats.map((c) => (c.type === 'direct' ? directKey(population.users, c) : null)),
        ],
      );
    }
    const members: { chatId: string; userId: string; role: string }[] = [];
    for (const chat of population.chats) {
      chat.members.forEach((m, k) => {
        members.push({
          chatId: chat.id,
          userId: population.users[m].id,
          role: chat.type === 'group' && k === 0 ? 'admin' : 'member',
        });
      });
    }
    for (let i = 0; i < members.length; i += CHUNK) {
      const rows = members.slice(i, i + CHUNK);
      await db.query(
        `INSERT INTO message_store.chat_members (chat_id, user_id, role)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])`,
        [rows.map((r) => r.chatId), rows.map((r) => r.userId), rows.map((r) => r.role)],
      );
    }
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await db.end();
  }
}

function directKey(users: PopulationUser[], chat: PopulationChat): string {
  const [a, b] = chat.members.map((m) => users[m].id).sort();
  return `${a}:${b}`;
}

async function postJson<T>(url: string, body: unknown, token?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function inParallel<T>(
  items: T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i], i);
    }
  });
  await Promise.all(runners);
}

/**
 * The population through docs/protocol.md's HTTP API (register, then POST /v1/chats), for
 * runs against a stack the load generator does not own (e.g. `npm start`).
 */
export async function registerPopulationApi(
  authUrl: string,
  gatewayUrl: string,
  chats: { type: 'direct' | 'group'; members: number[] }[],
  userCount: number,
  runId: string,
): Promise<Population> {
  const users: PopulationUser[] = new Array(userCount);
  await inParallel(
    Array.from({ length: userCount }, (_, i) => i),
    8,
    async (i) => {
      const username = `lg_${runId}_${i}`.slice(0, 32);
      const res = await postJson<{ user: { id: string }; accessToken: string }>(`${authUrl}/v1/auth/register`, {
        username,
        password: `loadgen-${runId}`,
      });
      if (res.status !== 201) throw new Error(`register ${username}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
      users[i] = { id: res.body.user.id, username, token: res.body.accessToken };
    },
  );
  const made: PopulationChat[] = new Array(chats.length);
  await inParallel(chats, 8, async (chat, i) => {
    const [creator, ...others] = chat.members;
    const body =
      chat.type === 'direct'
        ? { type: 'direct', memberIds: others.map((m) => users[m].id) }
        : { type: 'group', title: `loadgen ${runId} ${i}`, memberIds: others.map((m) => users[m].id) };
    const res = await postJson<{ id: string }>(`${gatewayUrl}/v1/chats`, body, users[creator].token);
    if (res.status !== 201 && res.status !== 200)
      throw new Error(`create chat: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    made[i] = { id: res.body.id, type: chat.type, members: chat.members };
  });
  return { users, chats: made };
}
