import { Logger } from '@nestjs/common';
import type { TokenMessage } from 'firebase-admin/messaging';
import { PushSender, tokenTail, type PushSendResult } from './push-sender';

export interface DryRunRecord {
  tokenTail: string;
  data: Record<string, string>;
  title?: string;
  body?: string;
  at: string;
}

/** Without Firebase credentials: logs and records what would be sent, so the stack runs on a laptop. */
export class DryRunPushSender extends PushSender {
  readonly mode = 'dry-run' as const;
  private readonly logger = new Logger('DryRunPushSender');
  private readonly records: DryRunRecord[] = [];

  constructor(private readonly keep = 1000) {
    super();
  }

  /** The latest pushes it would have sent, oldest first. */
  get recorded(): readonly DryRunRecord[] {
    return this.records;
  }

  async send(messages: TokenMessage[]): Promise<PushSendResult[]> {
    for (const m of messages) {
      const record: DryRunRecord = {
        tokenTail: tokenTail(m.token),
        data: { ...m.data },
        title: m.notification?.title,
        body: m.notification?.body,
        at: new Date().toISOString(),
      };
      this.records.push(record);
      if (this.records.length > this.keep) this.records.shift();
      this.logger.log({ dryRun: true, token: record.tokenTail, ...record.data }, 'DRY-RUN push (not sent)');
    }
    return messages.map((m) => ({ token: m.token, outcome: 'sent' as const }));
  }
}
