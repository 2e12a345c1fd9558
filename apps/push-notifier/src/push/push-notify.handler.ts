import { Controller, Logger } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { PushNotifyV1, type PushNotify } from '@parley/contracts';
import { validatePayload } from '@parley/shared/util-service';
import { PushNotifyPayload } from './push-notify.dto';
import { PushScheduler } from './push.scheduler';

/** NATS side of pushes: the gateways publish one PushNotifyV1 per stored message with offline recipients. */
@Controller()
export class PushNotifyHandler {
  private readonly logger = new Logger('PushNotifyHandler');

  constructor(private readonly scheduler: PushScheduler) {}

  @EventPattern(PushNotifyV1.subject)
  async notify(payload: PushNotify): Promise<void> {
    let notify: PushNotifyPayload;
    try {
      notify = await validatePayload(PushNotifyPayload, payload);
    } catch (err) {
      this.logger.warn({ err }, 'malformed PushNotifyV1 dropped');
      return;
    }
    try {
      await this.scheduler.schedule(notify);
    } catch (err) {
      // Push is best effort: the message is stored and replays at the next connect.
      this.logger.error({ err, chatId: notify.chatId, seq: notify.seq }, 'could not schedule pushes');
    }
  }
}
