import { buildPushMessage, notificationText, webPushTopic } from './push-message.builder';
import type { PushBatch } from './push-state.store';

const chatId = '0b6f3c2e-6a43-4d7e-9d3e-6f1f2a3b4c5d';
const batch: PushBatch = {
  chatId,
  count: 3,
  unread: 7,
  seq: 42,
  senderId: 'a1a1a1a1-0000-4000-8000-000000000001',
  messageId: 'm-42',
};

describe('buildPushMessage', () => {
  const m = buildPushMessage({ token: 'device-token', platform: 'android' }, batch);

  it('carries {chatId, count, senderId, seq} as string data, count being the unread total', () => {
    expect(m.token).toBe('device-token');
    expect(m.data).toEqual({ chatId, count: '7', senderId: batch.senderId, seq: '42' });
  });

  it('collapses per chat on android, apns and web push', () => {
    expect(m.android).toMatchObject({ collapseKey: chatId, notification: { tag: chatId } });
    expect(m.apns?.headers).toMatchObject({ 'apns-collapse-id': chatId });
    expect(m.webpush?.headers?.['Topic']).toBe('0b6f3c2e6a434d7e9d3e6f1f2a3b4c5d');
    expect(m.webpush?.headers?.['Topic']).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
  });

  it('says only how many messages there are, never what they say', () => {
    expect(m.notification).toEqual(notificationText(7));
    expect(notificationText(1).body).toBe('You have a new message');
    expect(notificationText(7).body).toBe('You have 7 new messages');
    expect(JSON.stringify(m)).not.toContain('m-42');
  });

  it('keeps any chat id within the web push Topic alphabet and length', () => {
    expect(webPushTopic('weird id/with:stuff and a very long tail indeed')).toMatch(/^[A-Za-z0-9]{1,32}$/);
  });
});
