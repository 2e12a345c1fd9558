import { Injectable } from '@nestjs/common';
import { EventStreamLimits, jsonBytes, ReplyBudget, type EventPage, type StreamEvent } from '@parley/contracts';
import { EventsRepository, type EventBounds } from '@parley/message-store/data-access-messages';
import { requireInt, requireObject, requireUuid } from '../common/request-checks';

/** A page of a user's event stream (connect catch-up, GET /v1/events). */
@Injectable()
export class EventsService {
  constructor(private readonly events: EventsRepository) {}

  async list(req: unknown): Promise<EventPage> {
    const r = requireObject(req);
    const userId = requireUuid(r['userId'], 'userId');
    const since = requireInt(r['since'], 'since', 0);
    const limit = requireInt(r['limit'], 'limit', 1, EventStreamLimits.maxLimit);
    // Bounds first: every event up to lastEventSeq was committed before the page is read, so
    // a page that does not start at since + 1 means retention pruned it meanwhile.
    const bounds = await this.events.bounds(userId);
    if (since < bounds.oldestEventSeq - 1) return resync(bounds);
    if (since >= bounds.lastEventSeq) return { events: [], hasMore: false };
    const rows = await this.events.page(userId, since, limit + 1);
    if (rows.length === 0 || rows[0].eventSeq !== since + 1) return resync(await this.events.bounds(userId));
    const events: StreamEvent[] = [];
    let bytes = 64;
    for (const event of rows.slice(0, limit)) {
      bytes += jsonBytes(event) + 1;
      if (events.length > 0 && bytes > ReplyBudget.bytes) break;
      events.push(event);
    }
    return { events, hasMore: events.length < rows.length };
  }
}

function resync(bounds: EventBounds): EventPage {
  return {
    events: [],
    hasMore: false,
    resyncRequired: true,
    oldestEventSeq: bounds.oldestEventSeq,
    lastEventSeq: bounds.lastEventSeq,
  };
}
