import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DeviceRegisterV1, DeviceRemoveV1, ParleyError, PushNotifyV1 } from '@parley/contracts';
import type { NatsBus } from '@parley/shared/util-nats';
import { connectTestBus, createTestDatabase, eventually, http, type TestDatabase } from '@parley/shared/testing';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { bootstrap, migrate } from '../bootstrap';
import { DryRunPushSender } from '../push/dry-run-push-sender';
import { PushSender } from '../push/push-sender';
import { testPushEnv } from '../testing/push-test-env';

describe('push-notifier devices over real NATS (DRY-RUN sender)', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let bus: NatsBus;
  let pg: Client;
  let base: string;
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  const queuePrefix = `ptest-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    db = await createTestDatabase('push_devices');
    const env = testPushEnv({ databaseUrl: db.url, natsPrefix: prefix, queuePrefix }, { PUSH_COALESCE_MS: '200' });
    await migrate(env);
    app = await bootstrap(env);
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    bus = await connectTestBus({ name: 'push-devices-test', subjectPrefix: prefix });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await bus?.drain();
    await app?.close();
    await db?.drop();
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    for await (const keys of redis.scanStream({ match: `${queuePrefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.del(...keys);
    }
    await redis.quit();
  });

  const ownerOf = async (token: string): Promise<string | null> => {
    const { rows } = await pg.query<{ user_id: string }>('SELECT user_id FROM push.devices WHERE token = $1', [token]);
    return rows[0]?.user_id ?? null;
  };

  it('registers a token and answers {token, platform, createdAt} every time, createdAt the latest registration', async () => {
    const userId = randomUUID();
    const token = `tok-${randomUUID()}`;
    const first = await bus.request(DeviceRegisterV1, { userId, token, platform: 'android' });
    expect(first).toEqual({ token, platform: 'android', createdAt: expect.any(String) });
    expect(new Date(first.createdAt).toISOString()).toBe(first.createdAt);

    const again = await bus.request(DeviceRegisterV1, { userId, token, platform: 'ios' });
    expect(again).toMatchObject({ token, platform: 'ios' });
    expect(Date.parse(again.createdAt)).toBeGreaterThan(Date.parse(first.createdAt));

    const { rows } = await pg.query('SELECT user_id, platform FROM push.devices WHERE token = $1', [token]);
    expect(rows).toEqual([{ user_id: userId, platform: 'ios' }]);
  });

  it('moves a token to the latest user that registers it', async () => {
    const alice = randomUUID();
    const bob = randomUUID();
    const token = `tok-${randomUUID()}`;
    await bus.request(DeviceRegisterV1, { userId: alice, token, platform: 'web' });
    await bus.request(DeviceRegisterV1, { userId: bob, token, platform: 'web' });
    expect(await ownerOf(token)).toBe(bob);
    // Alice no longer owns it: her delete changes nothing.
    await expect(bus.request(DeviceRemoveV1, { userId: alice, token })).resolves.toEqual({ removed: false });
    expect(await ownerOf(token)).toBe(bob);
  });

  it("removes only the caller's own token; unknown tokens change nothing", async () => {
    const userId = randomUUID();
    const token = `tok-${randomUUID()}`;
    const other = `tok-${randomUUID()}`;
    await bus.request(DeviceRegisterV1, { userId, token, platform: 'android' });
    await bus.request(DeviceRegisterV1, { userId: randomUUID(), token: other, platform: 'android' });

    await expect(bus.request(DeviceRemoveV1, { userId, token: `unknown-${randomUUID()}` })).resolves.toEqual({
      removed: false,
    });
    await expect(bus.request(DeviceRemoveV1, { userId, token: other })).resolves.toEqual({ removed: false });
    expect(await ownerOf(other)).not.toBeNull();

    await expect(bus.request(DeviceRemoveV1, { userId, token })).resolves.toEqual({ removed: true });
    expect(await ownerOf(token)).toBeNull();
    await expect(bus.request(DeviceRemoveV1, { userId, token })).resolves.toEqual({ removed: false });
  });

  it('answers invalid for malformed requests', async () => {
    const userId = randomUUID();
    const bad = [
      { userId, token: 'x', platform: 'blackberry' },
      { userId: 'not-a-uuid', token: 'x', platform: 'ios' },
      { userId, token: '', platform: 'ios' },
      { userId, token: 'x'.repeat(4097), platform: 'ios' },
      { userId, platform: 'ios' },
    ];
    for (const req of bad) {
      const err = await bus.request(DeviceRegisterV1, req as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ParleyError);
      expect(err).toMatchObject({ code: 'invalid' });
    }
    await expect(bus.request(DeviceRemoveV1, { userId: 'nope', token: 'x' })).rejects.toMatchObject({
      code: 'invalid',
    });
    // A 4096-code-point token of astral characters is within the limit.
    const astral = '😀'.repeat(4096);
    await expect(bus.request(DeviceRegisterV1, { userId, token: astral, platform: 'web' })).resolves.toMatchObject({
      platform: 'web',
    });
  });

  it('in DRY-RUN mode records the push it would send, with no full token in it', async () => {
    const sender = app.get(PushSender);
    expect(sender).toBeInstanceOf(DryRunPushSender);
    const userId = randomUUID();
    const chatId = randomUUID();
    const senderId = randomUUID();
    const token = `dry-${randomUUID()}`;
    await bus.request(DeviceRegisterV1, { userId, token, platform: 'android' });
    bus.publish(PushNotifyV1, {
      chatId,
      messageId: randomUUID(),
      seq: 1,
      senderId,
      recipientIds: [userId],
      createdAt: new Date().toISOString(),
    });

    const record = await eventually(() =>
      (sender as DryRunPushSender).recorded.find((r) => r.data['chatId'] === chatId),
    );
    expect(record).toMatchObject({
      tokenTail: `…${token.slice(-6)}`,
      data: { chatId, count: '1', senderId, seq: '1' },
    });
    expect(JSON.stringify(record)).not.toContain(token);
  });

  it('answers /health/live, /health/ready (postgres, redis, nats) and /metrics', async () => {
    expect((await http(base, 'GET', '/health/live')).status).toBe(200);
    const ready = await http<{ status: string; info: Record<string, { status: string }> }>(
      base,
      'GET',
      '/health/ready',
    );
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.body.info).sort()).toEqual(['nats', 'postgres', 'redis']);
    const metrics = await http<string>(base, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/parley_push_queue_depth\{[^}]*state="delayed"/);
    expect(metrics.body).toMatch(/parley_push_sent_total\{[^}]*platform="android"[^}]*\} [1-9]/);
  });
});
