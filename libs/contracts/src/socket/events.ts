/** Socket.IO event names of docs/protocol.md. */
export const ClientEvents = {
  MessageSend: 'message:send',
  MessageDelivered: 'message:delivered',
  MessageRead: 'message:read',
  Typing: 'typing',
  PresenceSubscribe: 'presence:subscribe',
} as const;

export const ServerEvents = {
  MessageNew: 'message:new',
  Receipt: 'receipt',
  Typing: 'typing',
  Presence: 'presence',
  ChatNew: 'chat:new',
  ChatUpdated: 'chat:updated',
  ChatRemoved: 'chat:removed',
} as const;

export type AckOk<T extends object = object> = { ok: true } & T;
export type AckError = { ok: false; error: { code: string; message: string } };
export type Ack<T extends object = object> = AckOk<T> | AckError;
