import type { DevicePlatform } from '@parley/contracts';
import type { TokenMessage } from 'firebase-admin/messaging';
import type { PushBatch } from './push-state.store';

/** How long FCM keeps trying to reach an offline device. */
const DELIVERY_TTL_S = 24 * 3600;

/** Generic text only: message bodies never leave the store (nor reach Google). */
export function notificationText(unread: number): { title: string; body: string } {
  return { title: 'Parley', body: unread === 1 ? 'You have a new message' : `You have ${unread} new messages` };
}

/**
 * One FCM message for one device. The collapse key is the chat on every platform, so
 * a device replaces the chat's previous notification instead of stacking another.
 * Data values are strings (FCM requires it).
 */
export function buildPushMessage(device: { token: string; platform: DevicePlatform }, batch: PushBatch): TokenMessage {
  const { title, body } = notificationText(batch.unread);
  const collapseKey = batch.chatId;
  return {
    token: device.token,
    data: {
      chatId: batch.chatId,
      count: String(batch.unread),
      senderId: batch.senderId,
      seq: String(batch.seq),
    },
    notification: { title, body },
    android: {
      collapseKey,
      priority: 'high',
      ttl: DELIVERY_TTL_S * 1000,
      notification: { tag: collapseKey },
    },
    apns: {
      // apns-collapse-id: at most 64 bytes; a uuid is 36.
      headers: { 'apns-collapse-id': collapseKey, 'apns-priority': '10' },
      payload: { aps: { threadId: batch.chatId } },
    },
    webpush: {
      // Web Push Topic: at most 32 characters of the URL-safe base64 alphabet.
      headers: { Topic: webPushTopic(collapseKey), Urgency: 'high', TTL: String(DELIVERY_TTL_S) },
      notification: { tag: collapseKey },
    },
  };
}

/** A uuid without its hyphens is exactly 32 hex characters. */
export function webPushTopic(chatId: string): string {
  return chatId.replace(/[^A-Za-z0-9]/g, '').slice(0, 32);
}
