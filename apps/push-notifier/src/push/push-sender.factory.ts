import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { cert, deleteApp, initializeApp } from 'firebase-admin/app';
import { getMessaging } from 'firebase-admin/messaging';
import { DryRunPushSender } from './dry-run-push-sender';
import { FirebasePushSender, type MessagingClient } from './firebase-push-sender';
import type { PushSender } from './push-sender';

/**
 * Picks the sender: a given Messaging (tests), Firebase from a service account
 * file, or DRY-RUN when no credentials are configured.
 */
export function createPushSender(options: { credentialsPath: string | null; messaging?: MessagingClient }): PushSender {
  const logger = new Logger('PushSender');
  if (options.messaging) return new FirebasePushSender(options.messaging);
  if (!options.credentialsPath) {
    logger.warn('DRY-RUN mode: GOOGLE_APPLICATION_CREDENTIALS is not set, pushes are logged and not sent');
    return new DryRunPushSender();
  }
  let credential;
  try {
    credential = cert(options.credentialsPath);
  } catch (err) {
    throw new Error(
      `GOOGLE_APPLICATION_CREDENTIALS: cannot load a service account from ${options.credentialsPath}: ${(err as Error).message}`,
    );
  }
  // A name of its own: several app instances in one process (tests) must not share one App.
  const app = initializeApp({ credential }, `push-notifier-${randomUUID()}`);
  logger.log('sending pushes through Firebase Cloud Messaging');
  return new FirebasePushSender(getMessaging(app), () => deleteApp(app));
}
