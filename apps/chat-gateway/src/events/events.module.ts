import { Module } from '@nestjs/common';
import { EventsController } from './events.controller';

/** GET /v1/events: the user's event stream over HTTP. */
@Module({ controllers: [EventsController] })
export class EventsModule {}
