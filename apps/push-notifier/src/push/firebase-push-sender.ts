import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { BatchResponse, Messaging, TokenMessage } from 'firebase-admin/messaging';
import { classifyFcmError } from './fcm-errors';
import { PushSender, type PushSendResult } from './push-sender';

/** The part of firebase-admin's Messaging we use: tests pass a fake of just this. */
export type MessagingClient = Pick<Messaging, 'sendEach'>;

/** FCM's limit for one sendEach call. */
const FCM_BATCH_LIMIT = 500;

interface FirebaseErrorLike {
  code?: string;
  message?: string;
  /** FirebaseMessagingSessionError: what the HTTP/2 session answered before it broke. */
  pendingBatchResponse?: Promise<BatchResponse>;
}

/** Sends through firebase-admin's `sendEach` (one message per device token). */
export class FirebasePushSender extends PushSender implements OnApplicationShutdown {
  readonly mode = 'firebase' as const;
  private readonly logger = new Logger('FirebasePushSender');

  constructor(
    private readonly messaging: MessagingClient,
    /** Releases the firebase App this sender owns (none when the Messaging was given). */
    private readonly dispose?: () => Promise<void>,
  ) {
    super();
  }

  async send(messages: TokenMessage[]): Promise<PushSendResult[]> {
    const results: PushSendResult[] = [];
    for (let i = 0; i < messages.length; i += FCM_BATCH_LIMIT) {
      results.push(...(await this.sendChunk(messages.slice(i, i + FCM_BATCH_LIMIT))));
    }
    return results;
  }

  private async sendChunk(chunk: TokenMessage[]): Promise<PushSendResult[]> {
    let batch: BatchResponse;
    try {
      batch = await this.messaging.sendEach(chunk);
    } catch (err) {
      const e = err as FirebaseErrorLike;
      const partial = e.pendingBatchResponse ? await e.pendingBatchResponse.catch(() => undefined) : undefined;
      if (!partial) {
        // The whole call failed (network, credentials): nothing known to be delivered, retry all.
        this.logger.warn({ code: e.code, err: e.message }, 'FCM sendEach failed');
        return chunk.map((m) => ({ token: m.token, outcome: 'transient' as const, code: e.code ?? 'unknown' }));
      }
      batch = partial;
    }
    return chunk.map((m, i): PushSendResult => {
      const r = batch.responses[i];
      if (r?.success) return { token: m.token, outcome: 'sent' };
      const code = r?.error?.code;
      return { token: m.token, outcome: classifyFcmError(code, r?.error?.message), code: code ?? 'unknown' };
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dispose?.();
  }
}
