import { Module, type DynamicModule } from '@nestjs/common';
import { EVENT_RETENTION, EventsRetentionService, type EventRetention } from './events-retention.service';
import { EventsHandler } from './events.handler';
import { EventsService } from './events.service';

/** The per-user event stream, store side: event.list.v1 and retention. */
@Module({})
export class EventsModule {
  static forRoot(retention: EventRetention): DynamicModule {
    return {
      module: EventsModule,
      controllers: [EventsHandler],
      providers: [{ provide: EVENT_RETENTION, useValue: retention }, EventsService, EventsRetentionService],
    };
  }
}
