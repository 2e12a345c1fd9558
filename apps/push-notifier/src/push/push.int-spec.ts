import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DeviceRegisterV1, PresenceChangedV1, PushNotifyV1, type DevicePlatform } from '@parley/contracts';
import type { NatsBus } from '@parley/shared/util-nats';
import {
  connectTestBus,
  createTestDatabase,
  deleteTestKeys,
  eventually,
  http,
  testRedisTargets,
  type TestDatabase,
} from '@parley/shared/testing';
import { createRedisClient, type RedisClient } from '@parley/shared/util-redis';
import { Queue } from 'bullmq';
import type { BatchResponse, Message, SendResponse, TokenMessage } from 'firebase-admin/messaging';
import { Client } from 'pg';
import { bootstrap, migrate } from '../bootstrap';
import { testPushEnv } from '../testing/push-test-env';
import type { MessagingClient } from './firebase-push-sender';
import { PushWorker } from './push.worker';
import { QueueName } from './push.queues';

/**
 * Stands in for firebase-admin's Messaging, and only for it: the app's
 * FirebasePushSender calls this sendEach. `received` is what reached "FCM" per
 * token, i.e. what a device would show.
 */
class FakeMessaging implements MessagingClient {
  readonly received = new Map<string, TokenMessage[]>();
  readonly attempts = new Map<string, number>();
  private readonly failures = new Map<string, { code: string; message: string; times: number }>();
  private blockedTokens = new Set<string>();
  private slowTokens = new Map<string, number>();
  /** Resolves when a blocked sendEach has been entered. */
  blockedCall?: Promise<void>;
  private enteredBlocked?: () => void;

  /** The next `times` sends to token fail with code (Infinity: always). */
  failFor(token: string, code: string, times = 1, message = `fake ${code}`): void {
    this.failures.set(token, { code, message, times });
  }

  /** A sendEach naming one of these tokens hands its messages to "FCM", then never returns (a hung call). */
  blockOn(tokens: string[]): void {
    this.blockedTokens = new Set(tokens);
    this.blockedCall = new Promise((resolve) => (this.enteredBlocked = resolve));
  }

  /** A sendEach naming this token answers only after ms (a slow but healthy FCM). */
  slowOn(token: string, ms: number): void {
    this.slowTokens.set(token, ms);
  }

  for(token: string): TokenMessage[] {
    return this.received.get(token) ?? [];
  }

  async sendEach(messages: Message[]): Promise<BatchResponse> {
    const responses: SendResponse[] = [];
    let block = false;
    let slow = 0;
    for (const m of messages as TokenMessage[]) {
      slow = Math.max(slow, this.slowTokens.get(m.token) ?? 0);
      this.attempts.set(m.token, (this.attempts.get(m.token) ?? 0) + 1);
      const failure = this.failures.get(m.token);
      if (failure && failure.times > 0) {
        failure.times--;
        const error = Object.assign(new Error(failure.message), { code: failure.code, toJSON: () => ({}) });
        responses.push({ success: false, error });
        continue;
      }
      this.received.set(m.token, [...this.for(m.token), m]);
      responses.push({ success: true, messageId: `projects/fake/messages/${randomUUID()}` });
      if (this.blockedTokens.has(m.token)) block = true;
    }
    if (block) {
      this.enteredBlocked?.();
      return new Promise<never>(() => undefined);
    }
    if (slow > 0) await new Promise((r) => setTimeout(r, slow));
    const successCount = responses.filter((r) => r.success).length;
    return { responses, successCount, failureCount: responses.length - successCount };
  }
}

describe.each(testRedisTargets)(
  'push-notifier pushes (real PostgreSQL, NATS, $kind; fake FCM Messaging)',
  ({ target }) => {
    let db: TestDatabase;
    let app: INestApplication | undefined;
    let bus: NatsBus;
    let pg: Client;
    let queue: Queue;
    let redis: RedisClient;
    /** The fake Messaging of the running app instance. */
    let fcm: FakeMessaging;
    let env: NodeJS.ProcessEnv;
    const natsPrefix = `t${randomUUID().slice(0, 8)}.`;
    // On a cluster BullMQ's keys need one hash tag (the config refuses a prefix without).
    const queuePrefix = target.clusterNodes
      ? `{ptest-${randomUUID().slice(0, 8)}}`
      : `ptest-${randomUUID().slice(0, 8)}`;
    const attempts = 4;

    const start = (messaging: FakeMessaging) => bootstrap(env, { messaging });

    beforeAll(async () => {
      db = await createTestDatabase('push_jobs');
      env = testPushEnv(
        { databaseUrl: db.url, natsPrefix, queuePrefix },
        {
          PUSH_COALESCE_MS: '700',
          PUSH_ATTEMPTS: String(attempts),
          PUSH_BACKOFF_MS: '150',
          PUSH_JOB_LOCK_MS: '1000',
          REDIS_CLUSTER_NODES: target.clusterNodes,
        },
      );
      await migrate(env);
      fcm = new FakeMessaging();
      app = await start(fcm);
      bus = await connectTestBus({ name: 'push-test', subjectPrefix: natsPrefix });
      pg = new Client({ connectionString: db.url });
      await pg.connect();
      redis = createRedisClient(target, { maxRetriesPerRequest: null }, false);
      queue = new Queue(QueueName.Push, { connection: redis, prefix: queuePrefix });
    });

    afterAll(async () => {
      await app?.close();
      await queue?.close();
      // This run's queue and coalescing keys all live under its own prefix.
      if (redis) await deleteTestKeys(redis, `${queuePrefix}:*`);
      await redis?.quit();
      await pg?.end();
      await bus?.drain();
      await db?.drop();
    });

    const device = async (userId: string, platform: DevicePlatform = 'android'): Promise<string> => {
      const token = `tok-${randomUUID()}`;
      await bus.request(DeviceRegisterV1, { userId, token, platform });
      return token;
    };

    const notify = (chatId: string, seq: number, senderId: string, recipientIds: string[]) =>
      bus.publish(PushNotifyV1, {
        chatId,
        messageId: randomUUID(),
        seq,
        senderId,
        recipientIds,
        createdAt: new Date().toISOString(),
      });

    const jobsOf = async (userId: string, states: ('delayed' | 'waiting' | 'active' | 'failed' | 'completed')[]) =>
      (await queue.getJobs(states)).filter((j) => j?.id?.startsWith(`push:${userId}:`));

    const metrics = async () =>
      (await http<string>((await (app as INestApplication).getUrl()).replace('[::1]', '127.0.0.1'), 'GET', '/metrics'))
        .body;

    it('coalesces quick messages of a chat into ONE notification per device: count, latest sender, collapse key, no body', async () => {
      const userId = randomUUID();
      const chatId = randomUUID();
      const [alice, bob] = [randomUUID(), randomUUID()];
      const phone = await device(userId, 'android');
      const browser = await device(userId, 'web');
      // seq 4 arrives after seq 5 (two gateways): the latest is still seq 5, sent by bob.
      const order: [number, string][] = [
        [1, alice],
        [2, bob],
        [3, alice],
        [5, bob],
        [4, alice],
      ];
      for (const [seq, sender] of order) notify(chatId, seq, sender, [userId]);

      await eventually(() => fcm.for(phone).length > 0 && fcm.for(browser).length > 0);
      // The batch's job is gone (completed) before we count: nothing else is on its way.
      await eventually(async () => (await jobsOf(userId, ['delayed', 'waiting', 'active'])).length === 0);
      expect((await jobsOf(userId, ['completed'])).length).toBe(1);

      for (const token of [phone, browser]) {
        const got = fcm.for(token);
        expect(got).toHaveLength(1);
        expect(got[0].data).toEqual({ chatId, count: '5', senderId: bob, seq: '5' });
        expect(got[0].android?.collapseKey).toBe(chatId);
        expect(got[0].apns?.headers?.['apns-collapse-id']).toBe(chatId);
        expect(got[0].webpush?.headers?.['Topic']).toBe(chatId.replace(/-/g, ''));
        expect(got[0].notification).toEqual({ title: 'Parley', body: 'You have 5 new messages' });
      }
    });

    it('drops pending pushes when the user comes online (PresenceChangedV1), and counts afresh afterwards', async () => {
      const userId = randomUUID();
      const chatId = randomUUID();
      const sender = randomUUID();
      const phone = await device(userId);
      for (const seq of [1, 2, 3]) notify(chatId, seq, sender, [userId]);
      const [pending] = await eventually(async () => {
        const jobs = await jobsOf(userId, ['delayed']);
        return jobs.length > 0 && jobs;
      });

      bus.publish(PresenceChangedV1, { userId, online: true, lastSeenAt: null });
      await eventually(async () => (await queue.getJob(pending.id as string)) === undefined);

      // Offline again later: one new message gives a notification of 1, not of 4.
      notify(chatId, 4, sender, [userId]);
      await eventually(() => fcm.for(phone).length > 0);
      await eventually(async () => (await jobsOf(userId, ['delayed', 'waiting', 'active'])).length === 0);
      expect(fcm.for(phone)).toHaveLength(1);
      expect(fcm.for(phone)[0].data).toMatchObject({ count: '1', seq: '4' });
    });

    it('retries a transient FCM failure with backoff, without sending twice to the devices that succeeded', async () => {
      const userId = randomUUID();
      const chatId = randomUUID();
      const flaky = await device(userId, 'ios');
      const fine = await device(userId, 'android');
      fcm.failFor(flaky, 'messaging/server-unavailable', 2);
      notify(chatId, 1, randomUUID(), [userId]);

      await eventually(() => fcm.for(flaky).length > 0);
      expect(fcm.attempts.get(flaky)).toBe(3);
      expect(fcm.for(flaky)).toHaveLength(1);
      expect(fcm.attempts.get(fine)).toBe(1);
      expect(fcm.for(fine)).toHaveLength(1);
      expect(await metrics()).toMatch(/parley_push_failed_total\{[^}]*reason="transient"[^}]*\} [2-9]/);
    });

    it('deletes tokens FCM reports as unregistered or invalid, and keeps the good one', async () => {
      const userId = randomUUID();
      const gone = await device(userId);
      const malformed = await device(userId);
      const good = await device(userId);
      fcm.failFor(gone, 'messaging/registration-token-not-registered');
      fcm.failFor(
        malformed,
        'messaging/invalid-argument',
        1,
        'The registration token is not a valid FCM registration token',
      );
      notify(randomUUID(), 1, randomUUID(), [userId]);

      await eventually(() => fcm.for(good).length > 0);
      const tokens = await eventually(async () => {
        const { rows } = await pg.query<{ token: string }>('SELECT token FROM push.devices WHERE user_id = $1', [
          userId,
        ]);
        return rows.length === 1 && rows.map((r) => r.token);
      });
      expect(tokens).toEqual([good]);
      expect(fcm.attempts.get(gone)).toBe(1);
    });

    it('keeps a job that failed every attempt in the failed set, for inspection', async () => {
      const userId = randomUUID();
      const down = await device(userId);
      fcm.failFor(down, 'messaging/internal-error', Infinity);
      notify(randomUUID(), 1, randomUUID(), [userId]);

      const [failed] = await eventually(async () => {
        const jobs = await jobsOf(userId, ['failed']);
        return jobs.length > 0 && jobs;
      });
      expect(failed.attemptsMade).toBe(attempts);
      expect(failed.failedReason).toContain('messaging/internal-error');
      expect(fcm.attempts.get(down)).toBe(attempts);
      expect(fcm.for(down)).toHaveLength(0);
      expect(await metrics()).toMatch(/parley_push_failed_total\{[^}]*reason="gave_up"[^}]*\} [1-9]/);
    });

    it('runs a job again after its worker died mid-send, and no device gets the batch twice', async () => {
      const userId = randomUUID();
      const chatId = randomUUID();
      const first = await device(userId);
      const second = await device(userId, 'ios');
      fcm.blockOn([first, second]);
      notify(chatId, 1, randomUUID(), [userId]);
      await fcm.blockedCall;

      // A device registered while the batch was in flight: only the re-run can serve it.
      const late = await device(userId, 'web');
      // The worker dies mid-send (its sendEach never returns), the instance goes away...
      await app?.get(PushWorker).abandon();
      await app?.close();

      // ...and another instance on the same queue takes the job over once its lock expires.
      const fcm2 = new FakeMessaging();
      app = await start(fcm2);
      await eventually(() => fcm2.for(late).length > 0);
      await eventually(async () => (await jobsOf(userId, ['delayed', 'waiting', 'active', 'failed'])).length === 0);

      expect(fcm.for(first)).toHaveLength(1);
      expect(fcm.for(second)).toHaveLength(1);
      expect(fcm2.for(first)).toHaveLength(0);
      expect(fcm2.for(second)).toHaveLength(0);
      expect(fcm2.for(late)).toHaveLength(1);
      expect(fcm2.for(late)[0].data).toMatchObject({ chatId, count: '1' });
      fcm = fcm2;
    });

    it('on shutdown (SIGTERM) lets the in-flight job finish before the worker closes', async () => {
      const userId = randomUUID();
      const phone = await device(userId);
      const current = app as INestApplication;
      fcm.slowOn(phone, 600);
      notify(randomUUID(), 1, randomUUID(), [userId]);
      await eventually(() => fcm.attempts.get(phone) === 1);

      await current.close();
      app = undefined;
      // close() returned only after the send finished and the job was marked completed.
      expect(fcm.for(phone)).toHaveLength(1);
      const [job] = await jobsOf(userId, ['completed', 'active', 'failed', 'waiting', 'delayed']);
      expect(await job.getState()).toBe('completed');
    });
  },
);
