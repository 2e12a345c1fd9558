import { Controller, UseInterceptors } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { MessageDeleteV1, MessageEditV1, MessageReactV1, type MessageChangeReply } from '@parley/contracts';
import { StoreErrorsInterceptor } from '../common/store-errors.interceptor';
import { LifecycleService } from './lifecycle.service';

/** message.edit.v1, message.delete.v1, message.react.v1. */
@Controller()
@UseInterceptors(StoreErrorsInterceptor)
export class LifecycleHandler {
  constructor(private readonly lifecycle: LifecycleService) {}

  @MessagePattern(MessageEditV1.subject)
  edit(@Payload() req: unknown): Promise<MessageChangeReply> {
    return this.lifecycle.edit(req);
  }

  @MessagePattern(MessageDeleteV1.subject)
  delete(@Payload() req: unknown): Promise<MessageChangeReply> {
    return this.lifecycle.delete(req);
  }

  @MessagePattern(MessageReactV1.subject)
  react(@Payload() req: unknown): Promise<MessageChangeReply> {
    return this.lifecycle.react(req);
  }
}
