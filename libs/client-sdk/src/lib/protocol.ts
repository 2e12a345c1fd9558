/*
 * docs/protocol.md's Socket.IO events come from @parley/contracts/client, the contracts' entry
 * without server-side validation (class-validator) or Node built-ins. The SDK's own names for
 * them stay for its users.
 */
export {
  ClientEvents as ClientEvent,
  ServerEvents as ServerEvent,
  type ServerToClientEvents as ServerToClient,
  type TypingState,
} from '@parley/contracts/client';
