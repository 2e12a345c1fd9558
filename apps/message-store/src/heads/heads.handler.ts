import { Controller, UseInterceptors } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ChatHeadsRecoverV1, type ChatHeadsRecoverReply } from '@parley/contracts';
import { StoreErrorsInterceptor } from '../common/store-errors.interceptor';
import { HeadsService } from './heads.service';

@Controller()
@UseInterceptors(StoreErrorsInterceptor)
export class HeadsHandler {
  constructor(private readonly heads: HeadsService) {}

  @MessagePattern(ChatHeadsRecoverV1.subject)
  recover(@Payload() req: unknown): Promise<ChatHeadsRecoverReply> {
    return this.heads.recover(req);
  }
}
