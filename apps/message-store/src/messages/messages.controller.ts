import { Controller, UseInterceptors } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  MessageAppendV1,
  MessageHistoryV1,
  type HistoryPage,
  type MessageAppendReply,
  type MessageAppendRequest,
  type MessageHistoryRequest,
} from '@parley/contracts';
import { StoreErrorsInterceptor } from '../common/store-errors.interceptor';
import { AppendService } from './append.service';
import { HistoryService } from './history.service';

@Controller()
@UseInterceptors(StoreErrorsInterceptor)
export class MessagesController {
  constructor(
    private readonly appendService: AppendService,
    private readonly historyService: HistoryService,
  ) {}

  @MessagePattern(MessageAppendV1.subject)
  append(@Payload() req: MessageAppendRequest): Promise<MessageAppendReply> {
    return this.appendService.append(req);
  }

  @MessagePattern(MessageHistoryV1.subject)
  history(@Payload() req: MessageHistoryRequest): Promise<HistoryPage> {
    return this.historyService.history(req);
  }
}
