import { Controller, UseInterceptors } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  MessageAppendBatchV1,
  MessageAppendV1,
  type MessageAppendBatchReply,
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
export class MessagesHandler {
  constructor(
    private readonly appendService: AppendService,
    private readonly historyService: HistoryService,
  ) {}

  // The hot path maps database errors itself (AppendService): an interceptor costs every call.
  @MessagePattern(MessageAppendV1.subject)
  append(@Payload() req: MessageAppendRequest): Promise<MessageAppendReply> {
    return this.appendService.append(req);
  }

  @MessagePattern(MessageAppendBatchV1.subject)
  appendBatch(@Payload() req: unknown): Promise<MessageAppendBatchReply> {
    return this.appendService.appendMany(req);
  }

  @MessagePattern(MessageHistoryV1.subject)
  @UseInterceptors(StoreErrorsInterceptor)
  history(@Payload() req: MessageHistoryRequest): Promise<HistoryPage> {
    return this.historyService.history(req);
  }
}
