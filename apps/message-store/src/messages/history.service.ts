import { Injectable } from '@nestjs/common';
import { jsonBytes, Limits, ReplyBudget, type HistoryPage, type Message } from '@parley/contracts';
import { ChatsRepository, MessagesRepository, type HistoryQuery } from '@parley/message-store/data-access-messages';
import { invalid, optionalInt, requireInt, requireObject, requireUuid } from '../common/request-checks';
import { requireMember } from '../common/chat-access';

export function parseHistoryRequest(req: unknown): { chatId: string; userId: string; query: HistoryQuery } {
  const r = requireObject(req);
  const chatId = requireUuid(r['chatId'], 'chatId');
  const userId = requireUuid(r['userId'], 'userId');
  const limit =
    r['limit'] === undefined || r['limit'] === null
      ? Limits.historyDefaultLimit
      : requireInt(r['limit'], 'limit', 1, Limits.historyMaxLimit);
  const before = optionalInt(r['before'], 'before', 1);
  const after = optionalInt(r['after'], 'after', 0);
  if (before !== undefined && after !== undefined) throw invalid('give at most one of before and after');
  return { chatId, userId, query: { limit, before, after } };
}

/** Keeps the messages nearest the cursor (the newest ones for latest/before pages) within `budget` bytes of JSON. */
export function trimToBudget(page: HistoryPage, keepNewest: boolean, budget: number): HistoryPage {
  const nearestFirst = keepNewest ? [...page.messages].reverse() : page.messages;
  const kept: Message[] = [];
  let total = 0;
  for (const m of nearestFirst) {
    const size = jsonBytes(m);
    if (kept.length > 0 && total + size > budget) break;
    kept.push(m);
    total += size;
  }
  if (kept.length === page.messages.length) return page;
  return { messages: keepNewest ? kept.reverse() : kept, hasMore: true };
}

@Injectable()
export class HistoryService {
  constructor(
    private readonly chats: ChatsRepository,
    private readonly messages: MessagesRepository,
  ) {}

  async history(req: unknown): Promise<HistoryPage> {
    const { chatId, userId, query } = parseHistoryRequest(req);
    requireMember(await this.chats.access(chatId, userId));
    const page = await this.messages.page(chatId, query);
    // 100 bodies of 4096 four-byte code points would pass NATS's 1 MiB: a page stops short of
    // the budget and says hasMore, keeping the messages nearest its cursor.
    return trimToBudget(page, query.after === undefined, ReplyBudget.bytes);
  }
}
