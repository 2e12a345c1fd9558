/**
 * The per-user event stream (docs/protocol.md, "Event stream"): every event a user must not
 * miss has a position, `eventSeq` (>= 1, gapless per user), sent as the event's 2nd argument.
 * Types and constants only (browsers import them through `@parley/contracts/client`).
 */

/** The events that have an eventSeq (typing and presence are ephemeral and have none). */
export const StreamEventTypes = [
  'message:new',
  'message:updated',
  'receipt',
  'chat:new',
  'chat:updated',
  'chat:removed',
] as const;
export type StreamEventType = (typeof StreamEventTypes)[number];

/** The 2nd argument of every stream event: `socket.on('message:new', (message, meta) => ...)`. */
export interface EventMeta {
  eventSeq: number;
}

/** One event as catch-up and `GET /v1/events` answer it; `payload` is what the socket event carries. */
export interface StreamEvent {
  eventSeq: number;
  type: StreamEventType;
  payload: unknown;
}

/** `GET /v1/events` (and the store's event.list.v1). */
export interface EventPage {
  events: StreamEvent[];
  hasMore: boolean;
  /** Present (true) when `since` is below what is kept: rebuild state over HTTP. */
  resyncRequired?: true;
  /** The oldest eventSeq still kept (with resyncRequired). */
  oldestEventSeq?: number;
  /** Internal (event.list.v1 only, with resyncRequired): the user's latest eventSeq, where live goes on. */
  lastEventSeq?: number;
}

/** `resync:required`: sent first on a connection whose `since` is below what is kept. */
export interface ResyncRequired {
  oldestEventSeq: number;
}

export const EventStreamLimits = { defaultLimit: 100, maxLimit: 500 } as const;
