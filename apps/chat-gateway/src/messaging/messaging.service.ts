import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import {
  ChatMembersV1,
  MessageDeleteV1,
  MessageEditV1,
  MessageReactV1,
  ParleyError,
  PresenceQueryV1,
  ReceiptMoveV1,
  SharesChatV1,
  type Message,
  type MessageAppendReply,
  type MessageChangeReply,
  type PresenceState,
  type ReceiptType,
} from '@parley/contracts';
import { NatsBus } from '@parley/shared/util-nats';
import { BlockRelations } from '../blocks/block-relations';
import { MembershipCache } from '../chats/membership-cache';
import { FanOutService } from '../delivery/fan-out.service';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import type { ClientConnection } from '../connections/client-connection';
import { ConnectionRegistry } from '../connections/connection-registry';
import { GatewayLimits } from '../security/gateway-limits';
import { AppendBatcher } from './append-batcher';

/** The ack of an edit, delete or reaction: the message now, and the actor's eventSeq when it changed. */
type ChangeAck = { message: Message; eventSeq?: number };

/** Appends this gateway waits on at once; beyond, `message:send` answers `unavailable` (retry). */
const MAX_APPENDS_IN_FLIGHT = 10_000;

/** What the Socket.IO events do, once their payloads are valid. */
@Injectable()
export class MessagingService implements OnModuleDestroy {
  private readonly appends: AppendBatcher;

  constructor(
    private readonly bus: NatsBus,
    private readonly fanOut: FanOutService,
    private readonly members: MembershipCache,
    private readonly registry: ConnectionRegistry,
    private readonly metrics: GatewayMetrics,
    private readonly limits: GatewayLimits,
    private readonly blocks: BlockRelations,
  ) {
    this.appends = new AppendBatcher(bus, {
      maxInFlight: MAX_APPENDS_IN_FLIGHT,
      membersOf: (chatId, userId) => bus.request(ChatMembersV1, { chatId, userId }),
    });
  }

  onModuleDestroy(): void {
    this.appends.close();
  }

  /** Acked only with the stored message: the store replies after COMMIT. */
  async send(
    conn: ClientConnection,
    input: { chatId: string; clientMsgId: string; body: string; replyToSeq?: number | null },
  ): Promise<{ message: Message; eventSeq?: number }> {
    await this.limit('send', conn, input.chatId);
    const stopTimer = this.metrics.sendLatency.startTimer();
    const reply = await this.appends.append(
      {
        chatId: input.chatId,
        senderId: conn.userId,
        clientMsgId: input.clientMsgId,
        body: input.body,
        ...(input.replyToSeq != null ? { replyToSeq: input.replyToSeq } : {}),
      },
      // Stored after the sender was told `unavailable`: the others still get it live
      // (the sender's retry with the same clientMsgId gets the stored original).
      (late) => this.stored(conn, late),
    );
    stopTimer();
    const eventSeq = this.stored(conn, reply);
    return eventSeq === undefined ? { message: reply.message } : { message: reply.message, eventSeq };
  }

  /** Fans the stored message out; answers the sender's own eventSeq of it (a created one's). */
  private stored(conn: ClientConnection, reply: MessageAppendReply): number | undefined {
    this.metrics.messagesSent.inc({ created: String(reply.created) });
    conn.markOwnMessage(reply.message.chatId, reply.message.seq);
    const base = reply.created ? reply.eventSeqBase?.map((b) => b + reply.message.seq) : undefined;
    const { eventSeqs, own } = ownEventSeq(conn, reply.memberIds, base);
    if (own === undefined && reply.created) conn.probeEvents();
    // A resend's original (created=false) goes out again, live only: the store may have
    // committed it and died before answering, so nobody fanned it out. Recipients drop what
    // they already have (per-connection seq order, client dedupe by chatId+seq). No second
    // push: resends are common on flaky networks, and a push per resend would be noise.
    void this.fanOut.message(reply.message, reply.memberIds, reply.mutedMemberIds, conn.id, reply.created, eventSeqs);
    return own;
  }

  /** Edits, deletes and reactions count as sends (one limit); committed before the ack. */
  async edit(conn: ClientConnection, input: { chatId: string; seq: number; body: string }): Promise<ChangeAck> {
    await this.limit('send', conn, input.chatId);
    return this.changed(conn, await this.bus.request(MessageEditV1, { ...input, userId: conn.userId }));
  }

  async delete(conn: ClientConnection, input: { chatId: string; seq: number }): Promise<ChangeAck> {
    await this.limit('send', conn, input.chatId);
    return this.changed(conn, await this.bus.request(MessageDeleteV1, { ...input, userId: conn.userId }));
  }

  async react(
    conn: ClientConnection,
    input: { chatId: string; seq: number; emoji: string | null },
  ): Promise<ChangeAck> {
    await this.limit('send', conn, input.chatId);
    return this.changed(conn, await this.bus.request(MessageReactV1, { ...input, userId: conn.userId }));
  }

  /** `message:updated` to every member's connections but the acting one (it has the ack); a no-op tells no one. */
  private changed(conn: ClientConnection, reply: MessageChangeReply): ChangeAck {
    if (!reply.changed) return { message: reply.message };
    const { eventSeqs, own } = ownEventSeq(conn, reply.memberIds, reply.eventSeqs);
    void this.fanOut
      .route(reply.memberIds, {
        kind: 'message:updated',
        message: reply.message,
        exceptSocketId: conn.id,
        ...(eventSeqs ? { eventSeqs } : {}),
      })
      // The change is stored: history, replay and the next connect show it.
      .catch(() => undefined);
    return own === undefined ? { message: reply.message } : { message: reply.message, eventSeq: own };
  }

  /**
   * Moves the caller's watermark; answers the caller's own eventSeq of the `receipt` event when
   * it moved. The event reaches every member's connections, the caller's other ones included
   * (not this one: it has the ack); a delivered receipt that a read also moved goes to the other
   * members' v1 connections only (the stream has one `read` event for both).
   */
  async receipt(
    conn: ClientConnection,
    type: ReceiptType,
    input: { chatId: string; upToSeq: number },
  ): Promise<{ eventSeq?: number }> {
    await this.limit(type, conn, input.chatId);
    const reply = await this.bus.request(ReceiptMoveV1, {
      chatId: input.chatId,
      userId: conn.userId,
      type,
      upToSeq: input.upToSeq,
    });
    if (reply.receipts.length === 0) return {};
    const others = reply.memberIds.filter((id) => id !== conn.userId);
    const last = reply.receipts[reply.receipts.length - 1];
    for (const receipt of reply.receipts.slice(0, -1)) {
      void this.fanOut.route(others, { kind: 'receipt', receipt, legacyOnly: true }).catch(() => undefined);
    }
    const { eventSeqs, own } = ownEventSeq(conn, reply.memberIds, reply.eventSeqs);
    void this.fanOut
      .route(reply.memberIds, {
        kind: 'receipt',
        receipt: last,
        exceptSocketId: conn.id,
        ...(eventSeqs ? { eventSeqs } : {}),
      })
      .catch(() => undefined);
    return own === undefined ? {} : { eventSeq: own };
  }

  async typing(conn: ClientConnection, input: { chatId: string; isTyping: boolean }): Promise<void> {
    await this.limit('typing', conn, input.chatId);
    const members = await this.members.membersFor(input.chatId, conn.userId);
    const others = [...members].filter((id) => id !== conn.userId);
    // Blocking: typing does not cross a block in a direct chat, either way (acked, not relayed).
    if (
      this.members.typeOf(input.chatId) === 'direct' &&
      others.length === 1 &&
      (await this.blocks.eitherBlocks(conn.userId, others[0]))
    )
      return;
    await this.fanOut.route(others, {
      kind: 'typing',
      chatId: input.chatId,
      userId: conn.userId,
      isTyping: input.isTyping,
    });
  }

  async subscribePresence(conn: ClientConnection, userIds: string[]): Promise<PresenceState[]> {
    await this.limit('presenceSubscribe', conn);
    const unique = [...new Set(userIds)];
    const others = unique.filter((id) => id !== conn.userId);
    if (others.length > 0) {
      const { strangers } = await this.bus.request(SharesChatV1, { userId: conn.userId, otherUserIds: others });
      if (strangers.length > 0) throw new ParleyError('forbidden', 'you share no chat with some of these users');
      // Blocking: a user who blocks the caller is not watched (and the block stops a watch: BlockRelations).
      if ((await this.blocks.blockersOf(conn.userId, others)).length > 0)
        throw new ParleyError('forbidden', 'some of these users do not share their presence with you');
    }
    const { presence } = await this.bus.request(PresenceQueryV1, { userIds: unique });
    for (const id of unique) this.registry.watch(conn, id);
    return presence;
  }

  /**
   * Checked before any NATS, SQL or other Redis work. Past the limit the answer is
   * `rate_limited`, except that not_found / forbidden outrank it (docs/protocol.md) when this
   * gateway's membership cache already knows the user is no member: no lookup is made for it.
   */
  private async limit(
    name: 'send' | 'typing' | 'delivered' | 'read' | 'presenceSubscribe',
    conn: ClientConnection,
    chatId?: string,
  ): Promise<void> {
    try {
      await this.limits.take(name, conn.userId);
    } catch (err) {
      if (chatId && this.members.knownLocally(chatId, conn.userId) === 'forbidden') {
        throw new ParleyError('forbidden', 'not a member of this chat');
      }
      throw err;
    }
  }
}

/**
 * The store's eventSeqs of a change when they line up with its members (else none), and the
 * acting user's own one, marked on the acting connection (it gets the ack, never the event).
 */
function ownEventSeq(
  conn: ClientConnection,
  memberIds: string[],
  eventSeqs: number[] | undefined,
): { eventSeqs?: number[]; own?: number } {
  const aligned = eventSeqs?.length === memberIds.length ? eventSeqs : undefined;
  const own = aligned?.[memberIds.indexOf(conn.userId)];
  if (own !== undefined) conn.markOwnEvent(own);
  return { eventSeqs: aligned, own };
}
