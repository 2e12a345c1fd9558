import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, http, WORKSPACE_ROOT } from '@parley/shared/testing';
import { Redis } from 'ioredis';
import { FaultClient } from './support/fault-client';
import { check, expectAllStored } from './support/checker';
import { FaultStack, pick, reportScenario, sleep, until } from './support/fault-stack';
import { PrivateRedis } from './support/infra';
import { SendLog, sendOnce } from './support/traffic';

/**
 * Issue 7, scenario 6: the push worker killed mid-job. push-notifier runs in DRY-RUN mode (no
 * Firebase credentials here): every push it would send to FCM is one log line, which this test
 * reads from the real process's log. A push sent twice to one device for one message would be
 * two lines for the same (device, chat, seq).
 */
describe('faults: push worker', () => {
  let fs: FaultStack;
  let redis: Redis;
  const clients: FaultClient[] = [];
  const prefix = () => fs.stack.env['PUSH_QUEUE_PREFIX'];

  beforeAll(async () => {
    fs = await FaultStack.start({
      label: 'faults-push',
      gateways: 1,
      env: {
        LOG_LEVEL: 'info',
        PUSH_COALESCE_MS: '100',
        PUSH_JOB_LOCK_MS: '2000',
        PUSH_CONCURRENCY: '4',
        PUSH_BACKOFF_MS: '200',
      },
    });
    redis = new Redis(fs.stack.env['REDIS_URL']);
  }, 180_000);

  afterAll(async () => {
    clients.forEach((c) => c.close());
    redis?.disconnect();
    await fs?.stop();
  });

  const queueKey = (k: string) => `${prefix()}:push:${k}`;
  const depth = async () => {
    const [wait, active, delayed, prioritized] = await Promise.all([
      redis.llen(queueKey('wait')),
      redis.llen(queueKey('active')),
      redis.zcard(queueKey('delayed')),
      redis.zcard(queueKey('prioritized')),
    ]);
    return wait + active + delayed + prioritized;
  };

  interface DryRunLine {
    token: string;
    chatId: string;
    seq: string;
  }
  const dryRunPushes = (): DryRunLine[] =>
    (fs.appLogs()['push-notifier'] ?? '')
      .split('\n')
      .filter((l) => l.includes('DRY-RUN push'))
      .map((l) => JSON.parse(l) as DryRunLine);

  it('6. the push worker killed mid-job: the job runs again, no device gets the same push twice', async () => {
    const [gw] = fs.gatewayUrls;
    const recipients = pick(150, 600);
    const [sender] = await fs.users(1, 's6s');
    const offline = await fs.users(recipients, 's6r');
    // Two devices per offline recipient; the last 6 characters (what the log shows) are unique.
    let d = 0;
    for (let i = 0; i < offline.length; i += 25) {
      await Promise.all(
        offline.slice(i, i + 25).flatMap((u) =>
          ['android', 'ios'].map((platform) =>
            http(gw, 'POST', '/v1/devices', {
              token: u.token,
              body: { token: `fcm-${u.user.id}-${(d++).toString(36).padStart(6, '0')}`, platform },
            }),
          ),
        ),
      );
    }
    const chat = await fs.group(sender, [sender, ...offline], 's6');
    const [s] = await fs.clients([sender], {});
    clients.push(s);

    const pushesBefore = dryRunPushes().length;
    const kills: { at: number; activeJobIds: string[]; jobsDoneMs: number }[] = [];
    const jobState = async (id: string) => {
      const [ats, finishedOn, failedReason] = await redis.hmget(queueKey(id), 'ats', 'finishedOn', 'failedReason');
      return { id, attemptsStarted: Number(ats ?? 0), finished: Boolean(finishedOn), failed: Boolean(failedReason) };
    };
    // Read as soon as they are done: BullMQ trims old completed jobs (removeOnComplete).
    const jobs: Awaited<ReturnType<typeof jobState>>[] = [];
    const log = new SendLog();
    const minMessages = pick(12, 40);
    let sent = 0;
    let killsDone = false;
    // At least minMessages, and on until both kills are done (each needs jobs running).
    const sending = (async () => {
      for (; (sent < minMessages || !killsDone) && sent < 500; sent++) {
        const ack = await sendOnce(s, log, chat.id, `s6-${sent}`, `push me ${sent}`);
        if (ack instanceof Error || !ack.ok)
          throw new Error(ack instanceof Error ? ack.message : JSON.stringify(ack.error));
        await sleep(400);
      }
    })();

    // Kill the push-notifier while jobs are active; the active list left in Redis after the
    // kill names the jobs that were running when it died. Two kills, a few seconds apart.
    try {
      for (let round = 0; round < 2; round++) {
        let killedAt = 0;
        let activeJobIds: string[] = [];
        while (activeJobIds.length === 0) {
          await until(async () => (await redis.llen(queueKey('active'))) > 0, 60_000, 'a push job active');
          killedAt = Date.now();
          await fs.supervisor.kill('push-notifier', 'SIGKILL');
          activeJobIds = await redis.lrange(queueKey('active'), 0, -1);
        }
        await fs.supervisor.waitReady(90_000, ['push-notifier']);
        // Recovered: every job the worker died in has run again to its end.
        await until(
          async () => (await Promise.all(activeJobIds.map(jobState))).every((j) => j.finished || j.failed),
          60_000,
          'killed jobs run again',
        );
        kills.push({ at: killedAt, activeJobIds, jobsDoneMs: Date.now() - killedAt });
        jobs.push(...(await Promise.all(activeJobIds.map(jobState))));
      }
    } finally {
      killsDone = true;
      await sending;
    }
    const messages = sent;

    // Everything queued runs to the end (the stalled jobs after their lock expires).
    const drainedMs = await until(async () => (await depth()) === 0, 120_000, 'push queue drained');
    await sleep(1000);
    const killedJobs = kills.flatMap((k) => k.activeJobIds);
    const pushes = dryRunPushes()
      .slice(pushesBefore)
      .filter((p) => p.chatId === chat.id);
    const perKey = new Map<string, number>();
    for (const p of pushes) perKey.set(`${p.token}|${p.seq}`, (perKey.get(`${p.token}|${p.seq}`) ?? 0) + 1);
    const duplicates = [...perKey.values()].filter((n) => n > 1).length;
    const devicesPushed = new Set(pushes.map((p) => p.token)).size;
    const failedJobs = await redis.zcard(queueKey('failed'));
    // The messages themselves (nobody is online to receive them: the pushes are the delivery).
    const result = await check(
      fs.databaseUrl,
      [{ chatId: chat.id, memberIds: [sender, ...offline].map((u) => u.user.id) }],
      log,
      [],
    );
    const devices = recipients * 2;
    reportScenario({
      scenario: '6-push-worker-kill',
      injected: 'SIGKILL push-notifier twice while push jobs were active; supervisor restart',
      // For this scenario: push jobs running when the worker was killed.
      messagesInFlight: killedJobs.length,
      attempted: result.attempted,
      acknowledged: result.acknowledged,
      stored: result.stored,
      // Pushes sent (coalesced per device and chat, so fewer than messages x devices).
      delivered: pushes.length,
      // Acknowledged messages not stored, plus devices of offline members that got no push.
      lost: result.lostAcked + (devices - devicesPushed),
      // The same (device, message) pushed twice, plus any duplicate in the store.
      duplicatesAfterDedupe: duplicates + result.duplicatesAfterDedupe,
      // From a kill to the last job it interrupted finished (the slower of the two kills).
      timeToRecoverMs: Math.max(...kills.map((k) => k.jobsDoneMs)),
      messages,
      offlineRecipients: recipients,
      devices,
      jobsActiveAtKill: killedJobs.length,
      killedJobsRunAgain: jobs.filter((j) => j.attemptsStarted >= 2).length,
      killedJobsFinished: jobs.filter((j) => j.finished).length,
      pushesSent: pushes.length,
      devicesPushed,
      duplicatePushes: duplicates,
      failedJobs,
      queueDrainedMs: drainedMs,
      seqGaps: result.seqGaps,
    });
    expect(killedJobs.length).toBeGreaterThan(0);
    // Every job that was running when the worker died ran again, and ran to its end.
    expect(jobs.filter((j) => j.attemptsStarted >= 2 && j.finished && !j.failed).length).toBe(jobs.length);
    expect(duplicates).toBe(0);
    expect(failedJobs).toBe(0);
    // Every device of every offline member got at least one push for the chat.
    expect(devicesPushed).toBe(recipients * 2);
    expectAllStored(result, messages);
  });

  it('6b. start-up refuses a Redis whose maxmemory-policy is not noeviction', async () => {
    const evicting = await PrivateRedis.start({ maxmemoryPolicy: 'allkeys-lru' });
    try {
      const port = await freePort();
      const started = Date.now();
      const child = spawn(process.execPath, [join(WORKSPACE_ROOT, 'dist/apps/push-notifier/main.js')], {
        env: { ...fs.stack.env, REDIS_URL: evicting.url, PUSH_NOTIFIER_PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (b: Buffer) => (output += b.toString()));
      child.stderr.on('data', (b: Buffer) => (output += b.toString()));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(null);
        }, 60_000);
        child.once('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      // A start-up check, no traffic: the message figures do not apply.
      reportScenario({
        scenario: '6b-redis-eviction-policy',
        injected: 'push-notifier started on a Redis with maxmemory-policy allkeys-lru',
        messagesInFlight: null,
        attempted: null,
        acknowledged: null,
        stored: null,
        delivered: null,
        lost: null,
        duplicatesAfterDedupe: null,
        timeToRecoverMs: null,
        exitCode: code,
        exitedAfterMs: Date.now() - started,
      });
      expect(code).toBe(1);
      expect(output).toContain('noeviction');
      expect(output).toContain('allkeys-lru');
    } finally {
      await evicting.stop();
    }
  });
});
