import {
  ClientEvents,
  ServerEvents,
  type Ack,
  type Chat,
  type ChatEvent,
  type ClientEventName,
  type Message,
  type PresenceState,
} from '@parley/contracts';
import type {
  ClientFrame__Output,
  Message as ProtoMessage,
  Presence as ProtoPresence,
  ServerFrame,
  Chat as ProtoChat,
} from '@parley/contracts/grpc';
import type { ServerEventArgs } from '../connections/connection-transport';

/**
 * A client frame as the Socket.IO event it stands for, its payload shaped like that event's JSON
 * so the same DTOs validate it (proto3 has no "absent" for plain scalars: they arrive as 0, "" or
 * false and are judged as such). Undefined: no kind set.
 */
export function toClientEvent(frame: ClientFrame__Output): { event: ClientEventName; payload: object } | undefined {
  switch (frame.kind) {
    case 'send': {
      const p = frame.send ?? { chatId: '', clientMsgId: '', body: '' };
      return {
        event: ClientEvents.MessageSend,
        payload: {
          chatId: p.chatId,
          clientMsgId: p.clientMsgId,
          body: p.body,
          ...(p.replyToSeq !== undefined ? { replyToSeq: p.replyToSeq } : {}),
        },
      };
    }
    case 'delivered':
    case 'read': {
      const p = frame[frame.kind] ?? { chatId: '', upToSeq: 0 };
      return {
        event: frame.kind === 'read' ? ClientEvents.MessageRead : ClientEvents.MessageDelivered,
        payload: { chatId: p.chatId, upToSeq: p.upToSeq },
      };
    }
    case 'typing': {
      const p = frame.typing ?? { chatId: '', isTyping: false };
      return { event: ClientEvents.Typing, payload: { chatId: p.chatId, isTyping: p.isTyping } };
    }
    case 'presenceSubscribe':
      return { event: ClientEvents.PresenceSubscribe, payload: { userIds: frame.presenceSubscribe?.userIds ?? [] } };
    case 'edit': {
      const p = frame.edit ?? { chatId: '', seq: 0, body: '' };
      return { event: ClientEvents.MessageEdit, payload: { chatId: p.chatId, seq: p.seq, body: p.body } };
    }
    case 'delete': {
      const p = frame.delete ?? { chatId: '', seq: 0 };
      return { event: ClientEvents.MessageDelete, payload: { chatId: p.chatId, seq: p.seq } };
    }
    case 'react': {
      const p = frame.react ?? { chatId: '', seq: 0 };
      // Unset emoji removes the caller's reaction (JSON: emoji null).
      return { event: ClientEvents.MessageReact, payload: { chatId: p.chatId, seq: p.seq, emoji: p.emoji ?? null } };
    }
    case undefined:
      return undefined;
  }
}

/** The ack frame of a client frame's request_id. */
export function toAckFrame(
  requestId: number,
  ack: Ack<{ message?: Message; presence?: PresenceState[]; eventSeq?: number }>,
): ServerFrame {
  if (!ack.ok) return { ack: { requestId, ok: false, error: ack.error } };
  const body = ack;
  return {
    ack: {
      requestId,
      ok: true,
      ...(body.message ? { message: toProtoMessage(body.message) } : {}),
      ...(body.presence ? { presence: body.presence.map(toProtoPresence) } : {}),
      ...(body.eventSeq !== undefined ? { eventSeq: body.eventSeq } : {}),
    },
  };
}

/**
 * A server event as its frame; undefined for the two that are call statuses on gRPC
 * (`replay:failed` and `error`: the transport ends the call instead).
 */
export function toServerFrame(...[event, payload, meta]: ServerEventArgs): ServerFrame | undefined {
  const eventSeq = meta && 'eventSeq' in meta ? { eventSeq: meta.eventSeq } : {};
  switch (event) {
    case ServerEvents.MessageNew:
      return { ...eventSeq, messageNew: toProtoMessage(payload) };
    case ServerEvents.MessageUpdated:
      return { ...eventSeq, messageUpdated: toProtoMessage(payload) };
    case ServerEvents.Receipt:
      return { ...eventSeq, receipt: { ...payload } };
    case ServerEvents.Typing:
      return { typing: { ...payload } };
    case ServerEvents.Presence:
      return { presence: toProtoPresence(payload) };
    case ServerEvents.ChatNew:
      return { ...eventSeq, chatNew: toProtoChat(payload) };
    case ServerEvents.ChatUpdated:
      return { ...eventSeq, chatUpdated: toProtoChat(payload) };
    case ServerEvents.ChatRemoved:
      return { ...eventSeq, chatRemoved: { chatId: payload.chatId } };
    case ServerEvents.ResyncRequired:
      return { resyncRequired: { oldestEventSeq: payload.oldestEventSeq } };
    case ServerEvents.ReplayFailed:
    case ServerEvents.Error:
      return undefined;
  }
}

/** JSON nulls become unset optional fields; times stay RFC 3339 strings. */
export function toProtoMessage(m: Message): ProtoMessage {
  return {
    id: m.id,
    chatId: m.chatId,
    seq: m.seq,
    senderId: m.senderId,
    clientMsgId: m.clientMsgId,
    body: m.body,
    createdAt: m.createdAt,
    ...(m.replyToSeq !== null ? { replyToSeq: m.replyToSeq } : {}),
    ...(m.editedAt !== null ? { editedAt: m.editedAt } : {}),
    deleted: m.deleted,
    reactions: m.reactions.map((r) => ({ userId: r.userId, emoji: r.emoji })),
  };
}

function toProtoPresence(p: PresenceState): ProtoPresence {
  return { userId: p.userId, online: p.online, ...(p.lastSeenAt !== null ? { lastSeenAt: p.lastSeenAt } : {}) };
}

/** chat:new / chat:updated carry a ChatEvent (at most 32 members plus memberCount). */
function toProtoChat(chat: Chat | ChatEvent): ProtoChat {
  return {
    id: chat.id,
    type: chat.type,
    ...(chat.title !== null ? { title: chat.title } : {}),
    members: chat.members.map((m) => ({ userId: m.userId, role: m.role, joinedAt: m.joinedAt })),
    createdAt: chat.createdAt,
    lastSeq: chat.lastSeq,
    memberCount: 'memberCount' in chat ? chat.memberCount : chat.members.length,
  };
}
