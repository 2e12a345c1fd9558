import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { MessageHistoryV1, UserCursorsV1, type Message } from '@parley/contracts';
import type { AccessTokenClaims } from '@parley/shared/util-auth';
import { NatsBus } from '@parley/shared/util-nats';
import { JSONCodec } from 'nats';
import type { GatewayConfig } from '../config/gateway.config';
import type { GatewayMetrics } from '../metrics/gateway.metrics';
import { ClientConnection } from '../connections/client-connection';
import { SocketIoTransport } from '../realtime/socket-io.transport';
import { GatewayLimits } from '../security/gateway-limits';
import type { SecurityMetrics } from '../security/security.metrics';
import { testMessage } from '../testing/test-message';
import { ReplayService } from './replay.service';

const url = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const codec = JSONCodec<unknown>();
const rate = { perSecond: 100, burst: 100 };

/** A Socket.IO socket as ClientConnection and ReplayService use it; what the gateway emits is recorded. */
class FakeSocket extends EventEmitter {
  connected = true;
  readonly conn = { writeBuffer: [] as unknown[] };
  readonly sent: { event: string; data: unknown }[] = [];
  readonly id = randomUUID();

  override emit(event: string, ...args: unknown[]): boolean {
    if (event !== 'disconnect') this.sent.push({ event, data: args[0] });
    return super.emit(event, ...args);
  }

  leave(): void {
    this.connected = false;
    this.emit('disconnect', 'transport close');
  }

  seqs(): number[] {
    return this.sent.filter((e) => e.event === 'message:new').map((e) => (e.data as Message).seq);
  }
}

/**
 * ReplayService against real NATS with a stand-in message-store: at most REPLAY_CONCURRENCY
 * replays run, REPLAY_QUEUE_MAX wait (their live messages held), the next gets replay:failed.
 */
describe('ReplayService: concurrent replays are capped and the rest wait (real NATS)', () => {
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  const chatOf = new Map<string, string>();
  const gates = new Map<string, Promise<void>>();
  const cursorRequests: string[] = [];
  let bus: NatsBus;
  let replay: ReplayService;
  let limits: GatewayLimits;

  const message = (chatId: string, seq: number): Message => testMessage(chatId, seq);

  beforeAll(async () => {
    bus = await NatsBus.connect({ url, name: 'replay-test', requestTimeoutMs: 5000, subjectPrefix: prefix });
    const answer = (subject: string, handle: (data: Record<string, unknown>) => Promise<unknown>) =>
      bus.connection.subscribe(`${prefix}${subject}`, {
        callback: (_err, msg) => {
          const packet = codec.decode(msg.data) as { id: string; data: Record<string, unknown> };
          void handle(packet.data).then((response) =>
            msg.respond(codec.encode({ id: packet.id, response, isDisposed: true })),
          );
        },
      });
    // Every user has one chat with seq 1-3 above its delivered watermark.
    answer(UserCursorsV1.subject, async ({ userId }) => {
      cursorRequests.push(userId as string);
      await gates.get(userId as string);
      return { chats: [{ chatId: chatOf.get(userId as string), lastSeq: 3, deliveredSeq: 0, readSeq: 0 }] };
    });
    answer(MessageHistoryV1.subject, async ({ chatId, after }) => ({
      messages: [1, 2, 3].filter((s) => s > Number(after)).map((s) => message(chatId as string, s)),
      hasMore: false,
    }));
    await bus.flush();
    const limitsConfig = {
      rates: { send: rate, typing: rate, delivered: rate, read: rate, presenceSubscribe: rate, http: rate },
      redis: { url: '', keyPrefix: 'replay-test:', timeoutMs: 100 },
      maxConnectionsPerUser: 20,
      replays: { concurrency: 1, maxWaiting: 1 },
      historyReadsPerUser: { concurrency: 1, maxWaiting: 0 },
    } as unknown as GatewayConfig['limits'];
    const securityMetrics = {
      rejected: { inc: () => undefined },
      replaysWaiting: { set: () => undefined },
    } as unknown as SecurityMetrics;
    limits = new GatewayLimits(limitsConfig, securityMetrics);
    const config = { delivery: { replayPageSize: 100, gapFillDelayMs: 30 } } as unknown as GatewayConfig;
    replay = new ReplayService(
      bus,
      { replayedMessages: { inc: () => undefined } } as unknown as GatewayMetrics,
      limits,
      securityMetrics,
      config,
    );
  });
  afterAll(async () => {
    await bus?.drain();
  });

  const connection = (gate?: Promise<void>) => {
    const userId: string = randomUUID();
    chatOf.set(userId, randomUUID());
    if (gate) gates.set(userId, gate);
    const socket = new FakeSocket();
    const claims = { userId, username: 'u', sessionId: 's', expiresAt: Date.now() / 1000 + 3600 } as AccessTokenClaims;
    const conn = new ClientConnection(new SocketIoTransport(socket as never), claims, {
      fetchAfter: async () => [],
      gapFillDelayMs: 30,
      onError: () => undefined,
    });
    return { conn, socket, userId, chatId: chatOf.get(userId) as string };
  };

  it('runs one, lets one wait with its live messages held, and tells the next to come back later', async () => {
    let open!: () => void;
    const first = connection(new Promise<void>((r) => (open = r)));
    const second = connection();
    const third = connection();
    const firstDone = replay.replay(first.conn);
    await new Promise((r) => setTimeout(r, 50)); // the first holds the only slot, waiting on the store
    const secondDone = replay.replay(second.conn);
    // A live message for the waiting connection: held until its replay is done, then in order.
    second.conn.order.offer(message(second.chatId, 4));
    // The line (1) is full: refused at once, no store request made for it.
    expect(await replay.replay(third.conn)).toBe(0);
    expect(third.socket.sent).toEqual([
      {
        event: 'replay:failed',
        data: { code: 'unavailable', message: 'gateway busy; reconnect later to get the replay' },
      },
    ]);
    expect([cursorRequests.includes(second.userId), second.socket.seqs()]).toEqual([false, []]);
    expect(limits.replays.waiting).toBe(1);

    open();
    expect(await firstDone).toBe(3);
    expect(await secondDone).toBe(3);
    expect(cursorRequests.filter((u) => [first.userId, second.userId, third.userId].includes(u))).toEqual([
      first.userId,
      second.userId,
    ]);
    expect(first.socket.seqs()).toEqual([1, 2, 3]);
    expect(second.socket.seqs()).toEqual([1, 2, 3, 4]);
    expect(limits.replays.idle).toBe(true);
  });

  it('a connection that leaves while waiting gives its place up and costs the store nothing', async () => {
    let open!: () => void;
    const first = connection(new Promise<void>((r) => (open = r)));
    const leaving = connection();
    const firstDone = replay.replay(first.conn);
    await new Promise((r) => setTimeout(r, 50));
    const leavingDone = replay.replay(leaving.conn);
    leaving.socket.leave();
    expect(await leavingDone).toBe(0);
    expect(limits.replays.waiting).toBe(0);
    open();
    expect(await firstDone).toBe(3);
    expect(cursorRequests.includes(leaving.userId)).toBe(false);
    expect(leaving.socket.sent).toEqual([]);
  });
});
