import { Injectable } from '@nestjs/common';
import { HeadsLimits, type ChatHeadsRecoverReply, type UserChatHead } from '@parley/contracts';
import { PgDatabase } from '@parley/shared/data-access-postgres';
import { invalid, requireInt, requireObject, requireUuid, requireUuidList } from '../common/request-checks';

export interface RecoverQuery {
  userIds: string[];
  since: Date;
  after?: { userId: string; chatId: string };
}

/** Oldest `sinceMs` accepted: a recovery looks back minutes, not the whole history. */
const MAX_LOOKBACK_MS = 60 * 60 * 1000;

function parseRecoverRequest(req: unknown, now = Date.now()): RecoverQuery {
  const r = requireObject(req);
  const userIds = requireUuidList(r['userIds'], 'userIds', HeadsLimits.recoverMaxUsers, 1);
  const sinceMs = requireInt(r['sinceMs'], 'sinceMs', 0);
  if (sinceMs < now - MAX_LOOKBACK_MS) throw invalid('sinceMs: at most one hour back');
  let after: RecoverQuery['after'];
  if (r['after'] !== undefined) {
    const a = requireObject(r['after']);
    after = { userId: requireUuid(a['userId'], 'after.userId'), chatId: requireUuid(a['chatId'], 'after.chatId') };
  }
  return { userIds, since: new Date(sinceMs), after };
}

/**
 * chat.heads.recover.v1: for the users of a gateway that may have missed digests, their
 * chats with a message or a join since `since`, with the cursors replay would start from.
 * One page per request, keyset-paged on (user_id, chat_id) through chat_members' primary
 * key and user index; at most HeadsLimits.recoverPageItems items (~300 KB of JSON).
 */
@Injectable()
export class HeadsService {
  constructor(private readonly db: PgDatabase) {}

  async recover(req: unknown): Promise<ChatHeadsRecoverReply> {
    const q = parseRecoverRequest(req);
    const limit = HeadsLimits.recoverPageItems;
    const rows = await this.db.query<{
      user_id: string;
      chat_id: string;
      last_seq: string;
      delivered_seq: string;
      read_seq: string;
    }>(
      `SELECT cm.user_id, cm.chat_id, c.last_seq, cm.delivered_seq, cm.read_seq
       FROM chat_members cm JOIN chats c ON c.id = cm.chat_id
       WHERE cm.user_id = ANY ($1::uuid[])
         AND (c.last_message_at >= $2 OR cm.joined_at >= $2)
         AND ($3::uuid IS NULL OR (cm.user_id, cm.chat_id) > ($3::uuid, $4::uuid))
       ORDER BY cm.user_id, cm.chat_id
       LIMIT $5`,
      [q.userIds, q.since, q.after?.userId ?? null, q.after?.chatId ?? null, limit + 1],
    );
    const items: UserChatHead[] = rows.slice(0, limit).map((r) => ({
      userId: r.user_id,
      chatId: r.chat_id,
      lastSeq: Number(r.last_seq),
      deliveredSeq: Number(r.delivered_seq),
      readSeq: Number(r.read_seq),
    }));
    const last = items[items.length - 1];
    return rows.length > limit ? { items, next: { userId: last.userId, chatId: last.chatId } } : { items };
  }
}
