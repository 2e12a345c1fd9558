import { Controller, UseInterceptors } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { EventListV1, type EventListRequest, type EventPage } from '@parley/contracts';
import { StoreErrorsInterceptor } from '../common/store-errors.interceptor';
import { EventsService } from './events.service';

@Controller()
@UseInterceptors(StoreErrorsInterceptor)
export class EventsHandler {
  constructor(private readonly events: EventsService) {}

  @MessagePattern(EventListV1.subject)
  list(@Payload() req: EventListRequest): Promise<EventPage> {
    return this.events.list(req);
  }
}
