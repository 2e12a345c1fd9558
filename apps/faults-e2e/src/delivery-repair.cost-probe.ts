/**
 * What live-delivery repair costs a gateway (docs/reliability.md, "Live-delivery repair").
 * Not part of `npm test` (a measurement, not a check); run it alone:
 *   npx jest -c apps/faults-e2e/jest.config.cts --testMatch '**\/delivery-repair.cost-probe.ts'
 * REPAIR_PROBE_SOCKETS (default 5000) idle sockets on ONE gateway, each user in one group of
 * 10 and one direct chat. Phases: idle (heartbeat digests only), then messages appended
 * straight to message-store over NATS, so that NO gateway fans them out: every one reaches
 * its connected recipients through the repair alone (the worst case: every delivery lost).
 */
import { readFileSync } from 'node:fs';
import { createPublicKey, randomUUID } from 'node:crypto';
import { ChatCreateV1, MessageAppendV1, type Message } from '@parley/contracts';
import { keyIdOf } from '@parley/shared/util-auth';
import { NatsBus } from '@parley/shared/util-nats';
import { importPKCS8, SignJWT } from 'jose';
import { io, type Socket } from 'socket.io-client';
import { schedOf } from '@parley/tools/proc-stats';
import { FaultStack, report, sleep } from './support/fault-stack';

const SOCKETS = Number(process.env['REPAIR_PROBE_SOCKETS'] ?? 5000);
/** REPAIR_PROBE_BASELINE=1: the same idle sockets with the repair turned off (GATEWAY_TEST_DISABLE_HEADS_REPAIR). */
const BASELINE = process.env['REPAIR_PROBE_BASELINE'] === '1';
const GROUP = 10;

/** CPU seconds the process has used so far, all its threads (tools/proc-stats reads schedstat). */
function cpuSeconds(pid: number): number {
  const sched = schedOf(pid);
  if (!sched) throw new Error(`process ${pid} is gone`);
  return sched.cpu;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

describe('probe: live-delivery repair cost per idle connection', () => {
  let fs: FaultStack;
  let bus: NatsBus;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    fs = await FaultStack.start({
      label: 'repair-cost',
      gateways: 1,
      // The shared anonymous NATS: the probe appends to message-store itself, which no app identity may.
      env: {
        NATS_URL: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
        MAX_CONNECTIONS_PER_USER: '5',
        GATEWAY_TEST_DISABLE_HEADS_REPAIR: BASELINE ? '1' : '0',
      },
    });
    bus = await NatsBus.connect({
      url: fs.stack.env['NATS_URL'],
      name: 'repair-probe',
      requestTimeoutMs: 15_000,
      subjectPrefix: fs.stack.env['NATS_SUBJECT_PREFIX'],
    });
  }, 180_000);

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await bus?.drain();
    await fs?.stop();
  });

  it(`measures ${SOCKETS} idle sockets on one gateway`, async () => {
    const pem = readFileSync(fs.stack.env['JWT_PRIVATE_KEY_FILE'], 'utf8');
    const key = await importPKCS8(pem, 'ES256');
    const kid = keyIdOf(createPublicKey(pem));
    const now = Math.floor(Date.now() / 1000);
    const users = await Promise.all(
      Array.from({ length: SOCKETS }, async (_, i) => {
        const id = randomUUID();
        const token = await new SignJWT({ username: `probe_${i}`, sid: randomUUID() })
          .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
          .setSubject(id)
          .setIssuer('parley-auth')
          .setAudience('parley')
          .setIssuedAt(now)
          .setNotBefore(now - 5)
          .setExpirationTime(now + 3600)
          .sign(key);
        return { id, token };
      }),
    );
    const groups: string[][] = [];
    for (let i = 0; i + GROUP <= users.length; i += GROUP) groups.push(users.slice(i, i + GROUP).map((u) => u.id));
    const membersOf = new Map<string, string[]>();
    await inBatches(groups, 25, async (members) => {
      const { chat } = await bus.request(ChatCreateV1, {
        creatorId: members[0],
        type: 'group',
        title: 'probe',
        memberIds: members.slice(1),
      });
      membersOf.set(chat.id, members);
    });
    const groupIds = [...membersOf.keys()];
    const pairs = Array.from({ length: Math.floor(users.length / 2) }, (_, i) => [
      users[2 * i].id,
      users[2 * i + 1].id,
    ]);
    await inBatches(pairs, 25, (p) =>
      bus.request(ChatCreateV1, { creatorId: p[0], type: 'direct', memberIds: [p[1]] }),
    );

    const gw = fs.gatewayUrls[0];
    const pid = fs.supervisor.pid(fs.stack.gatewayNames()[0]) as number;
    await sleep(3000);
    const rssBefore = rssMb(pid);
    let received = 0;
    /** (chatId:seq) -> [recipients that got it, when the last one did]. */
    const seen = new Map<string, [number, number]>();
    await inBatches(
      users,
      100,
      (u) =>
        new Promise<void>((resolve, reject) => {
          const s = io(gw, {
            auth: { token: u.token },
            transports: ['websocket'],
            reconnection: false,
            forceNew: true,
          });
          s.on('message:new', (m: Message) => {
            received++;
            const k = `${m.chatId}:${m.seq}`;
            seen.set(k, [(seen.get(k)?.[0] ?? 0) + 1, Date.now()]);
          });
          s.once('connect', () => resolve());
          s.once('connect_error', reject);
          sockets.push(s);
        }),
    );
    await sleep(10_000); // replays done, heap settled

    const measure = async (seconds: number) => {
      const c0 = cpuSeconds(pid);
      const d0 = await metric(gw, 'parley_gateway_heads_digests_total');
      await sleep(seconds * 1000);
      return {
        cpuPerSecondMs: ((cpuSeconds(pid) - c0) / seconds) * 1000,
        digests: (await metric(gw, 'parley_gateway_heads_digests_total')) - d0,
      };
    };
    const idle = await measure(30);
    const rssIdle = rssMb(pid);
    const idleFigures = {
      probe: 'live-delivery-repair-cost',
      repair: BASELINE ? 'off' : 'on',
      sockets: SOCKETS,
      chatsPerSocket: 2,
      gatewayRssBeforeSocketsMb: Math.round(rssBefore),
      gatewayRssWithSocketsMb: Math.round(rssIdle),
      rssPerSocketKb: Math.round(((rssIdle - rssBefore) * 1024) / SOCKETS),
      idleCpuMsPerSecond: Math.round(idle.cpuPerSecondMs * 10) / 10,
      idleDigestsPerSecond: idle.digests / 30,
    };
    if (BASELINE) {
      report(idleFigures);
      expect(idle.digests).toBe(0);
      return;
    }

    // Every message appended behind the gateways' back: only the repair delivers it.
    const rate = Number(process.env['REPAIR_PROBE_RATE'] ?? 100);
    const seconds = 20;
    const appendedAt = new Map<string, number>();
    const c0 = cpuSeconds(pid);
    const started = Date.now();
    let n = 0;
    while (Date.now() - started < seconds * 1000) {
      const tickStart = Date.now();
      await Promise.all(
        Array.from({ length: rate / 10 }, async () => {
          const chatId = groupIds[n++ % groupIds.length];
          const sender = (membersOf.get(chatId) as string[])[n % GROUP];
          const reply = await bus.request(MessageAppendV1, {
            chatId,
            senderId: sender,
            clientMsgId: randomUUID(),
            body: 'behind the gateways',
          });
          appendedAt.set(`${chatId}:${reply.message.seq}`, Date.now());
        }),
      );
      await sleep(Math.max(0, 100 - (Date.now() - tickStart)));
    }
    await sleep(5000);
    const repairCpuMs = ((cpuSeconds(pid) - c0) / (seconds + 5)) * 1000;
    // Until the LAST of the group's members had it (appended behind the gateways' back, the
    // sender's own socket gets it too: no connection sent it).
    const lags = [...appendedAt]
      .map(([k, at]) => (seen.get(k)?.[0] === GROUP ? (seen.get(k) as [number, number])[1] - at : NaN))
      .filter((l) => !Number.isNaN(l))
      .sort((a, b) => a - b);
    const repaired = lags.length;
    const figures = {
      ...idleFigures,
      behindTheBackRate: rate,
      behindTheBackMessages: appendedAt.size,
      repairedToEveryRecipient: repaired,
      repairLagP50Ms: lags[Math.floor(repaired * 0.5)],
      repairLagP99Ms: lags[Math.floor(repaired * 0.99)],
      repairLagMaxMs: lags[repaired - 1],
      cpuMsPerSecondWhileRepairingAll: Math.round(repairCpuMs),
      messagesReceivedBySockets: received,
    };
    report(figures);
    expect(repaired).toBe(appendedAt.size);
  }, 600_000);
});
