import type { Device, DevicePlatform } from '../lib/models';
import { event, rpc } from './contract';

export interface PushNotify {
  chatId: string;
  messageId: string;
  seq: number;
  senderId: string;
  /** Members with no live connection when the message was stored (muted ones left out). */
  recipientIds: string[];
  createdAt: string;
}
export const PushNotifyV1 = event<PushNotify>('push.notify.v1');

export interface DeviceRegisterRequest {
  userId: string;
  token: string;
  platform: DevicePlatform;
}
export const DeviceRegisterV1 = rpc<DeviceRegisterRequest, Device>('device.register.v1', 'push-notifier');

export interface DeviceRemoveRequest {
  userId: string;
  token: string;
}
export interface DeviceRemoveReply {
  removed: boolean;
}
export const DeviceRemoveV1 = rpc<DeviceRemoveRequest, DeviceRemoveReply>('device.remove.v1', 'push-notifier');
