export {
  ParleyClient,
  type ParleyClientOptions,
  type ParleyEvents,
  type ChatEvent,
  type IncomingMessage,
} from './lib/parley-client';
export type { ConnectionEvent, ConnectionState } from './lib/connection';
export { Backoff, type BackoffOptions } from './lib/backoff';
export type { Session } from './lib/auth.api';
export type { CreateChatInput, HistoryQuery } from './lib/chats.api';
export { AuthApi } from './lib/auth.api';
export { ChatsApi } from './lib/chats.api';
export { BlocksApi } from './lib/blocks.api';
export { JsonHttp, type FetchLike, type PageQuery, type CursorPage } from './lib/http-client';
export { ParleyClientError, type SdkErrorCode } from './lib/errors';
export {
  type MessageStatus,
  type MessageStatusEvent,
  type StatusCounts,
  computeStatus,
  STATUS_ORDER,
} from './lib/message-status';
export type { OutboxEntry } from './lib/outbox';
export {
  MemoryStorage,
  WebStorageAdapter,
  defaultBrowserStorage,
  type KeyValueStorage,
  type WebStorageLike,
} from './lib/storage';
export { ClientEvent, ServerEvent, type TypingState } from './lib/protocol';
export { watchBrowserNetwork } from './lib/network';
export { newClientMsgId } from './lib/client-id';
