import {
  ServerEvents,
  type ChatEvent,
  type ChatRemovedEvent,
  type EventPage,
  type Message,
  type Receipt,
  type StreamEvent,
} from '@parley/contracts';
import type { EventOrderDeps } from '../delivery/event-order';
import type { MessageOrderDeps } from '../delivery/message-order';
import type { ConnectionTransport } from './connection-transport';

/** What every connection's MessageOrder shares: one object per gateway (a gap fill reads as the connection's user). */
export interface SharedOrderDeps extends Omit<MessageOrderDeps, 'emit' | 'emitUpdated' | 'onChatGone' | 'fetchAfter'> {
  /** Messages of a chat with seq > afterSeq that userId may read, ascending, at most `limit`. */
  fetchAfter(userId: string, chatId: string, afterSeq: number, limit: number): Promise<Message[]>;
}

/** What every connection's EventOrder shares: one object per gateway. */
export interface SharedEventDeps extends Omit<EventOrderDeps, 'emit' | 'onResync' | 'fetchAfter'> {
  /** userId's events with eventSeq > since, ascending (event.list.v1). */
  fetchAfter(userId: string, since: number, limit: number): Promise<EventPage>;
}

/*
 * The sinks are a connection's own part of its orders' deps. Their methods live on the prototype
 * and the gateway's shared deps are read through getters: an idle connection pays one small
 * object per order, not a copy of the deps with a closure per callback (~0.8 KB a socket).
 */

/** A v1 connection's MessageOrder deps: sends to its transport, reads gaps as its user. */
export class MessageSink implements MessageOrderDeps {
  /** A live message's eventSeq for this user until it leaves (the Message is shared); made on first use. */
  private messageEventSeqs?: WeakMap<Message, number>;
  private updateEventSeqs?: WeakMap<Message, number>;

  constructor(
    private readonly transport: ConnectionTransport,
    private readonly userId: string,
    private readonly shared: SharedOrderDeps,
  ) {}

  noteMessage(message: Message, eventSeq: number): void {
    (this.messageEventSeqs ??= new WeakMap()).set(message, eventSeq);
  }

  noteUpdate(message: Message, eventSeq: number): void {
    (this.updateEventSeqs ??= new WeakMap()).set(message, eventSeq);
  }

  emit(message: Message): void {
    this.transport.emit(ServerEvents.MessageNew, message, ...eventSeqMeta(this.messageEventSeqs?.get(message)));
  }

  emitUpdated(message: Message): void {
    this.transport.emit(ServerEvents.MessageUpdated, message, ...eventSeqMeta(this.updateEventSeqs?.get(message)));
  }

  /** The store refused a gap fill: the user left the chat and its chat:removed was lost. */
  onChatGone(chatId: string): void {
    this.transport.emit(ServerEvents.ChatRemoved, { chatId });
  }

  fetchAfter(chatId: string, afterSeq: number, limit: number): Promise<Message[]> {
    return this.shared.fetchAfter(this.userId, chatId, afterSeq, limit);
  }

  onError(err: unknown): void {
    this.shared.onError(err);
  }

  onSkipped(chatId: string, fromSeq: number, toSeq: number): void {
    this.shared.onSkipped?.(chatId, fromSeq, toSeq);
  }

  get gapFillDelayMs(): number {
    return this.shared.gapFillDelayMs;
  }

  get holders(): MessageOrderDeps['holders'] {
    return this.shared.holders;
  }

  get headGraceMs(): number | undefined {
    return this.shared.headGraceMs;
  }

  get anchorWaitMs(): number | undefined {
    return this.shared.anchorWaitMs;
  }

  get fetchLimiter(): MessageOrderDeps['fetchLimiter'] {
    return this.shared.fetchLimiter;
  }
}

/** A `since` connection's EventOrder deps: sends its stream to its transport, reads gaps as its user. */
export class EventSink implements EventOrderDeps {
  constructor(
    private readonly transport: ConnectionTransport,
    private readonly userId: string,
    private readonly shared: SharedEventDeps,
  ) {}

  emit(event: StreamEvent): void {
    emitStreamEvent(this.transport, event);
  }

  onResync(oldestEventSeq: number): void {
    this.transport.emit(ServerEvents.ResyncRequired, { oldestEventSeq });
  }

  fetchAfter(since: number, limit: number): Promise<EventPage> {
    return this.shared.fetchAfter(this.userId, since, limit);
  }

  onError(err: unknown): void {
    this.shared.onError(err);
  }

  get gapFillDelayMs(): number {
    return this.shared.gapFillDelayMs;
  }
}

/** The third argument of a v1 connection's message:new or message:updated: this user's eventSeq of it, when known. */
function eventSeqMeta(eventSeq: number | undefined): [] | [{ eventSeq: number }] {
  return eventSeq === undefined ? [] : [{ eventSeq }];
}

/** A stream event with its eventSeq as the 2nd argument (the names are the contract's constants). */
function emitStreamEvent(transport: ConnectionTransport, e: StreamEvent): void {
  const meta = { eventSeq: e.eventSeq };
  switch (e.type) {
    case 'message:new':
      transport.emit(ServerEvents.MessageNew, e.payload as Message, meta);
      break;
    case 'message:updated':
      transport.emit(ServerEvents.MessageUpdated, e.payload as Message, meta);
      break;
    case 'receipt':
      transport.emit(ServerEvents.Receipt, e.payload as Receipt, meta);
      break;
    case 'chat:new':
      transport.emit(ServerEvents.ChatNew, e.payload as ChatEvent, meta);
      break;
    case 'chat:updated':
      transport.emit(ServerEvents.ChatUpdated, e.payload as ChatEvent, meta);
      break;
    case 'chat:removed':
      transport.emit(ServerEvents.ChatRemoved, e.payload as ChatRemovedEvent, meta);
      break;
  }
}
