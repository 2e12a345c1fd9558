import type { Chat, ClientEvents, Message, PresenceState, Receipt, ServerEvents } from '@parley/contracts';

/*
 * Event names of docs/protocol.md. They are checked against @parley/contracts at compile time
 * (`satisfies typeof ...`) but imported as types only, so the SDK bundle does not pull the
 * contracts' server-side validation classes (class-validator) into a browser.
 */
export const ClientEvent = {
  MessageSend: 'message:send',
  MessageDelivered: 'message:delivered',
  MessageRead: 'message:read',
  Typing: 'typing',
  PresenceSubscribe: 'presence:subscribe',
} as const satisfies typeof ClientEvents;

export const ServerEvent = {
  MessageNew: 'message:new',
  Receipt: 'receipt',
  Typing: 'typing',
  Presence: 'presence',
  ChatNew: 'chat:new',
  ChatUpdated: 'chat:updated',
  ChatRemoved: 'chat:removed',
} as const satisfies typeof ServerEvents;

/** Events Parley adds to the v1 table of docs/protocol.md. */
export const ExtraServerEvent = {
  Error: 'error',
  ReplayFailed: 'replay:failed',
} as const;

export interface TypingState {
  chatId: string;
  userId: string;
  isTyping: boolean;
}

export interface ServerToClient {
  [ServerEvent.MessageNew]: (m: Message) => void;
  [ServerEvent.Receipt]: (r: Receipt) => void;
  [ServerEvent.Typing]: (t: TypingState) => void;
  [ServerEvent.Presence]: (p: PresenceState) => void;
  [ServerEvent.ChatNew]: (c: Chat) => void;
  [ServerEvent.ChatUpdated]: (c: Chat) => void;
  [ServerEvent.ChatRemoved]: (r: { chatId: string }) => void;
  [ExtraServerEvent.Error]: (e: { code: string; message: string }) => void;
  [ExtraServerEvent.ReplayFailed]: (e: { code: string; message: string }) => void;
}
