import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import {
  ChatMembersV1,
  ParleyError,
  PresenceQueryV1,
  ReceiptMoveV1,
  SharesChatV1,
  type Message,
  type MessageAppendReply,
  type PresenceState,
  type ReceiptType,
} from '@parley/contracts';
import { NatsBus } from '@parley/shared/util-nats';
import { MembershipCache } from '../chats/membership-cache';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { FanOutService } from '../delivery/fan-out.service';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import type { ClientConnection } from '../realtime/client-connection';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { TokenBucket } from '../realtime/token-bucket';
import { AppendBatcher } from './append-batcher';

/** Appends this gateway waits on at once; beyond, `message:send` answers `unavailable` (retry). */
const MAX_APPENDS_IN_FLIGHT = 10_000;

/** What the Socket.IO events do, once their payloads are valid. */
@Injectable()
export class MessagingService implements OnModuleDestroy {
  private readonly sendLimits = new Map<string, TokenBucket>();
  private readonly appends: AppendBatcher;

  constructor(
    private readonly bus: NatsBus,
    private readonly fanOut: FanOutService,
    private readonly members: MembershipCache,
    private readonly registry: ConnectionRegistry,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.appends = new AppendBatcher(bus.connection, {
      subjectPrefix: config.nats.subjectPrefix,
      timeoutMs: config.nats.requestTimeoutMs,
      maxInFlight: MAX_APPENDS_IN_FLIGHT,
      membersOf: (chatId, userId) => bus.request(ChatMembersV1, { chatId, userId }),
    });
  }

  onModuleDestroy(): void {
    this.appends.close();
  }

  /** Acked only with the stored message: the store replies after COMMIT. */
  async send(conn: ClientConnection, input: { chatId: string; clientMsgId: string; body: string }): Promise<Message> {
    if (!this.sendLimiter(conn.userId).tryTake()) {
      // not_found and forbidden outrank rate_limited (PROTOCOL.md).
      await this.members.membersFor(input.chatId, conn.userId);
      throw new ParleyError('rate_limited', 'too many messages; slow down');
    }
    const stopTimer = this.metrics.sendLatency.startTimer();
    const reply = await this.appends.append(
      { chatId: input.chatId, senderId: conn.userId, clientMsgId: input.clientMsgId, body: input.body },
      // Stored after the sender was told `unavailable`: the others still get it live
      // (the sender's retry with the same clientMsgId gets the stored original).
      (late) => this.stored(conn, late),
    );
    stopTimer();
    this.stored(conn, reply);
    return reply.message;
  }

  private stored(conn: ClientConnection, reply: MessageAppendReply): void {
    this.metrics.messagesSent.inc({ created: String(reply.created) });
    conn.order.markOwn(reply.message.chatId, reply.message.seq);
    // A resend's original (created=false) goes out again, live only: the store may have
    // committed it and died before answering, so nobody fanned it out. Recipients drop what
    // they already have (per-connection seq order, client dedupe by chatId+seq). No second
    // push: resends are common on flaky networks, and a push per resend would be noise.
    void this.fanOut.message(reply.message, reply.memberIds, reply.mutedMemberIds, conn.id, reply.created);
  }

  async receipt(conn: ClientConnection, type: ReceiptType, input: { chatId: string; upToSeq: number }): Promise<void> {
    const reply = await this.bus.request(ReceiptMoveV1, { chatId: input.chatId, userId: conn.userId, type, upToSeq: input.upToSeq });
    const others = reply.memberIds.filter((id) => id !== conn.userId);
    for (const receipt of reply.receipts) {
      void this.fanOut.route(others, { kind: 'receipt', receipt }).catch(() => undefined);
    }
  }

  async typing(conn: ClientConnection, input: { chatId: string; isTyping: boolean }): Promise<void> {
    if (!conn.typingLimiter.tryTake()) return;
    const members = await this.members.membersFor(input.chatId, conn.userId);
    const others = [...members].filter((id) => id !== conn.userId);
    await this.fanOut.route(others, { kind: 'typing', chatId: input.chatId, userId: conn.userId, isTyping: input.isTyping });
  }

  async subscribePresence(conn: ClientConnection, userIds: string[]): Promise<PresenceState[]> {
    const unique = [...new Set(userIds)];
    const others = unique.filter((id) => id !== conn.userId);
    if (others.length > 0) {
      const { strangers } = await this.bus.request(SharesChatV1, { userId: conn.userId, otherUserIds: others });
      if (strangers.length > 0) throw new ParleyError('forbidden', 'you share no chat with some of these users');
    }
    const { presence } = await this.bus.request(PresenceQueryV1, { userIds: unique });
    for (const id of unique) this.registry.watch(conn, id);
    return presence;
  }

  private sendLimiter(userId: string): TokenBucket {
    let bucket = this.sendLimits.get(userId);
    if (!bucket) {
      bucket = new TokenBucket(this.config.limits.messagesPerSecond, this.config.limits.messagesBurst);
      this.sendLimits.set(userId, bucket);
    }
    return bucket;
  }

  /** Drops limiters of users with no connection here any more. */
  forgetUser(userId: string): void {
    if (this.registry.connectionCount(userId) === 0) this.sendLimits.delete(userId);
  }
}
