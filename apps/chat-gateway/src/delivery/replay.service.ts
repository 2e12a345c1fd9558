import { Inject, Injectable, Logger } from '@nestjs/common';
import { MessageHistoryV1, ServerEvents, UserCursorsV1, type UserChatCursor } from '@parley/contracts';
import { NatsBus } from '@parley/shared/util-nats';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import type { ClientConnection } from '../connections/client-connection';
import { GatewayLimits } from '../security/gateway-limits';
import { acquireReplaySlot } from './replay-slot';
import { SecurityMetrics } from '../security/security.metrics';

/**
 * On connect: every chat's messages above the user's delivered watermark, oldest
 * first, page by page, waiting for the socket to drain between pages so a user back
 * after a month neither stalls the gateway nor fills its memory. Live messages of the
 * connection are held meanwhile (MessageOrder), then flushed without repeats.
 *
 * At most REPLAY_CONCURRENCY replays run at once; the others wait in line (a reconnect
 * storm waits instead of cutting replays short). Past REPLAY_QUEUE_MAX waiting, the
 * connection gets `replay:failed` and comes back later (the SDK backs off).
 */
@Injectable()
export class ReplayService {
  private readonly logger = new Logger(ReplayService.name);

  constructor(
    private readonly bus: NatsBus,
    private readonly metrics: GatewayMetrics,
    private readonly limits: GatewayLimits,
    private readonly securityMetrics: SecurityMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async replay(conn: ClientConnection): Promise<number> {
    conn.order.startReplay();
    const release = await acquireReplaySlot(
      conn,
      this.limits,
      this.securityMetrics,
      'gateway busy; reconnect later to get the replay',
    );
    if (!release) {
      conn.order.finishReplay();
      return 0;
    }
    let sent = 0;
    try {
      const chats = await this.cursorsOf(conn.userId);
      for (const chat of chats) conn.order.setCursor(chat.chatId, chat.deliveredSeq + 1);
      for (const chat of chats) {
        let after = chat.deliveredSeq;
        while (conn.connected && after < chat.lastSeq) {
          const page = await this.bus.request(MessageHistoryV1, {
            chatId: chat.chatId,
            userId: conn.userId,
            after,
            limit: this.config.delivery.replayPageSize,
          });
          for (const message of page.messages) conn.order.replayed(message);
          sent += page.messages.length;
          if (!page.hasMore || page.messages.length === 0) break;
          after = page.messages[page.messages.length - 1].seq;
          await conn.writable();
        }
      }
    } catch (err) {
      // Whatever was not replayed stays above the watermark: the next connect sends it.
      this.logger.warn({ err, userId: conn.userId }, 'replay interrupted');
      conn.transport.emit(ServerEvents.ReplayFailed, {
        code: 'unavailable',
        message: 'replay interrupted; reconnect to resume',
      });
    } finally {
      release();
      conn.order.finishReplay();
      this.metrics.replayedMessages.inc(sent);
    }
    return sent;
  }

  /** Every chat of the user with its watermarks, a bounded page per request. */
  private async cursorsOf(userId: string): Promise<UserChatCursor[]> {
    const all: UserChatCursor[] = [];
    let afterChatId: string | undefined;
    do {
      const page = await this.bus.request(UserCursorsV1, { userId, afterChatId });
      all.push(...page.chats);
      afterChatId = page.nextAfterChatId ?? undefined;
    } while (afterChatId);
    return all;
  }
}
