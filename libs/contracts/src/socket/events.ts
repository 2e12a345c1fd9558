import type { ErrorBody } from '../lib/errors';
import type { EventMeta, ResyncRequired } from '../lib/event-stream';
import type { Chat, Message, PresenceState, Receipt } from '../lib/models';

/*
 * The Socket.IO events of docs/protocol.md and docs/asyncapi.yaml: names, payloads and acks.
 * Types and string constants only, so browsers import them (`@parley/contracts/client`).
 */

/** Events a client emits; the gateway handles each (ClientEventsService) and acks it. */
export const ClientEvents = {
  MessageSend: 'message:send',
  MessageDelivered: 'message:delivered',
  MessageRead: 'message:read',
  Typing: 'typing',
  PresenceSubscribe: 'presence:subscribe',
  MessageEdit: 'message:edit',
  MessageDelete: 'message:delete',
  MessageReact: 'message:react',
} as const;
export type ClientEventName = (typeof ClientEvents)[keyof typeof ClientEvents];

/** Events the gateway emits; it names them through these constants only. */
export const ServerEvents = {
  MessageNew: 'message:new',
  /** An edit, delete or reaction: the whole new Message. */
  MessageUpdated: 'message:updated',
  Receipt: 'receipt',
  Typing: 'typing',
  Presence: 'presence',
  ChatNew: 'chat:new',
  ChatUpdated: 'chat:updated',
  ChatRemoved: 'chat:removed',
  /** The replay on connect was cut short (`unavailable`): reconnect to get the rest. */
  ReplayFailed: 'replay:failed',
  /** A `since` below what the server keeps: rebuild state over HTTP; live events follow. */
  ResyncRequired: 'resync:required',
  /** Just before a server-side disconnect (`unauthorized`: token expired, session revoked). */
  Error: 'error',
} as const;
export type ServerEventName = (typeof ServerEvents)[keyof typeof ServerEvents];

export interface SendMessageInput {
  chatId: string;
  /** 1-64 characters chosen by the client; a resend with the same one stores nothing new. */
  clientMsgId: string;
  /** 1-4096 code points. */
  body: string;
  /** The seq (>= 1, at most the chat's lastSeq) this message replies to. */
  replyToSeq?: number | null;
}

/** `message:edit`: the sender, within the edit window. */
export interface EditMessageInput {
  chatId: string;
  seq: number;
  /** 1-4096 code points. */
  body: string;
}

/** `message:delete`: the sender, or a group admin. */
export interface DeleteMessageInput {
  chatId: string;
  seq: number;
}

/** `message:react`: one reaction per user and message; null removes the caller's. */
export interface ReactMessageInput {
  chatId: string;
  seq: number;
  /** 1-16 code points, or null. */
  emoji: string | null;
}

/** `message:delivered` and `message:read`: every message up to `upToSeq`. */
export interface ReceiptInput {
  chatId: string;
  upToSeq: number;
}

export interface TypingInput {
  chatId: string;
  isTyping: boolean;
}

export interface PresenceSubscribeInput {
  /** 1-Limits.groupMaxMembers user ids. */
  userIds: string[];
}

export type AckOk<T extends object = object> = { ok: true } & T;
export type AckError = { ok: false; error: ErrorBody };
export type Ack<T extends object = object> = AckOk<T> | AckError;

/** What an `{ok: true}` ack carries besides `ok`, per client event. */
export interface AckBodies {
  /** eventSeq: the message:new event this message is in the sender's own stream (absent for a resend). */
  [ClientEvents.MessageSend]: { message: Message; eventSeq?: number };
  /** eventSeq: the caller's own `receipt` event, when the watermark moved. */
  [ClientEvents.MessageDelivered]: { eventSeq?: number };
  [ClientEvents.MessageRead]: { eventSeq?: number };
  [ClientEvents.Typing]: object;
  [ClientEvents.PresenceSubscribe]: { presence: PresenceState[] };
  /** eventSeq: the message:updated this change is in the actor's own stream (absent when nothing changed). */
  [ClientEvents.MessageEdit]: { message: Message; eventSeq?: number };
  [ClientEvents.MessageDelete]: { message: Message; eventSeq?: number };
  [ClientEvents.MessageReact]: { message: Message; eventSeq?: number };
}

/** The `typing` event a client receives. */
export interface TypingState {
  chatId: string;
  userId: string;
  isTyping: boolean;
}

export interface ChatRemovedEvent {
  chatId: string;
}

/** Client-to-server events in Socket.IO's typed-events form (`Socket<ListenEvents, EmitEvents>`). */
export interface ClientToServerEvents {
  [ClientEvents.MessageSend]: (payload: SendMessageInput, ack: (a: Ack<AckBodies['message:send']>) => void) => void;
  [ClientEvents.MessageDelivered]: (
    payload: ReceiptInput,
    ack: (a: Ack<AckBodies['message:delivered']>) => void,
  ) => void;
  [ClientEvents.MessageRead]: (payload: ReceiptInput, ack: (a: Ack<AckBodies['message:read']>) => void) => void;
  [ClientEvents.Typing]: (payload: TypingInput, ack?: (a: Ack) => void) => void;
  [ClientEvents.PresenceSubscribe]: (
    payload: PresenceSubscribeInput,
    ack: (a: Ack<AckBodies['presence:subscribe']>) => void,
  ) => void;
  [ClientEvents.MessageEdit]: (payload: EditMessageInput, ack: (a: Ack<AckBodies['message:edit']>) => void) => void;
  [ClientEvents.MessageDelete]: (
    payload: DeleteMessageInput,
    ack: (a: Ack<AckBodies['message:delete']>) => void,
  ) => void;
  [ClientEvents.MessageReact]: (payload: ReactMessageInput, ack: (a: Ack<AckBodies['message:react']>) => void) => void;
}

/**
 * Server-to-client events in Socket.IO's typed-events form. Stream events carry a 2nd argument,
 * `meta = {eventSeq}` (docs/protocol.md, "Event stream"); a client that reads one argument sees v1.
 */
export interface ServerToClientEvents {
  [ServerEvents.MessageNew]: (message: Message, meta?: EventMeta) => void;
  [ServerEvents.MessageUpdated]: (message: Message, meta?: EventMeta) => void;
  [ServerEvents.Receipt]: (receipt: Receipt, meta?: EventMeta) => void;
  [ServerEvents.Typing]: (typing: TypingState) => void;
  [ServerEvents.Presence]: (presence: PresenceState) => void;
  [ServerEvents.ChatNew]: (chat: Chat, meta?: EventMeta) => void;
  [ServerEvents.ChatUpdated]: (chat: Chat, meta?: EventMeta) => void;
  [ServerEvents.ChatRemoved]: (removed: ChatRemovedEvent, meta?: EventMeta) => void;
  [ServerEvents.ReplayFailed]: (error: ErrorBody) => void;
  [ServerEvents.ResyncRequired]: (resync: ResyncRequired) => void;
  [ServerEvents.Error]: (error: ErrorBody) => void;
}
