import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EventListV1, EventStreamLimits, type EventPage } from '@parley/contracts';
import { AccessTokenGuard, CurrentUser, type AccessTokenClaims } from '@parley/shared/util-auth';
import { NatsBus } from '@parley/shared/util-nats';
import { GatewayLimits } from '../security/gateway-limits';
import { EventsQuery } from './events.dto';

/** The per-user event stream over HTTP: the same events a `since` connection catches up on. */
@ApiTags('events')
@ApiBearerAuth()
@UseGuards(AccessTokenGuard)
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly bus: NatsBus,
    private readonly limits: GatewayLimits,
  ) {}

  @Get()
  @ApiOperation({ summary: "The caller's events with eventSeq > since, ascending (limit 1-500, default 100)" })
  @ApiOkResponse({
    description:
      '{events: [{eventSeq, type, payload}], hasMore}; since below retention: {events: [], hasMore: false, resyncRequired: true, oldestEventSeq}',
  })
  async list(@CurrentUser() caller: AccessTokenClaims, @Query() query: EventsQuery): Promise<EventPage> {
    const page = await this.limits.readHistory(caller.userId, () =>
      this.bus.request(EventListV1, {
        userId: caller.userId,
        since: query.since ?? 0,
        limit: query.limit ?? EventStreamLimits.defaultLimit,
      }),
    );
    if (page.resyncRequired)
      return { events: [], hasMore: false, resyncRequired: true, oldestEventSeq: page.oldestEventSeq };
    return { events: page.events, hasMore: page.hasMore };
  }
}
