import { Controller, UseInterceptors } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ReceiptListV1,
  ReceiptMoveV1,
  type MessageReceipt,
  type ReceiptListRequest,
  type ReceiptMoveReply,
  type ReceiptMoveRequest,
} from '@parley/contracts';
import { StoreErrorsInterceptor } from '../common/store-errors.interceptor';
import { ReceiptsService } from './receipts.service';

@Controller()
@UseInterceptors(StoreErrorsInterceptor)
export class ReceiptsHandler {
  constructor(private readonly receipts: ReceiptsService) {}

  @MessagePattern(ReceiptMoveV1.subject)
  move(@Payload() req: ReceiptMoveRequest): Promise<ReceiptMoveReply> {
    return this.receipts.move(req);
  }

  @MessagePattern(ReceiptListV1.subject)
  list(@Payload() req: ReceiptListRequest): Promise<MessageReceipt[]> {
    return this.receipts.list(req);
  }
}
