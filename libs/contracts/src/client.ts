/**
 * `@parley/contracts/client`: what a client of docs/protocol.md needs (the Socket.IO events,
 * their payloads and acks, the objects, error codes and limits) and nothing else. It stays
 * free of class-validator and Node built-ins so browsers and React Native bundle it;
 * client.spec.ts walks its imports to keep it so.
 */
export * from './socket/events';
export * from './lib/event-stream';
export { ErrorCodes, isErrorCode, type ErrorBody, type ErrorCode } from './lib/errors';
export {
  Limits,
  type Chat,
  type ChatMember,
  type ChatSummary,
  type ChatType,
  type Device,
  type DevicePlatform,
  type HistoryPage,
  type MemberRole,
  type Message,
  type MessageReceipt,
  type PresenceState,
  type Reaction,
  type Receipt,
  type ReceiptType,
  type User,
} from './lib/models';
export type { Block, ChatEvent as ChatEventPayload } from './lib/models';
