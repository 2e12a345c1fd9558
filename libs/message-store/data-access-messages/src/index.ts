import {
  createMessageStoreMigration,
  type MessageStoreMigrationOptions,
} from './lib/migrations/1764500000000-CreateMessageStore';
import { AppendMessagesFunction1764600000000 } from './lib/migrations/1764600000000-AppendMessagesFunction';
import { AppendMessagesLinear1764700000000 } from './lib/migrations/1764700000000-AppendMessagesLinear';
import { ChatMembersJoinedIndex1764800000000 } from './lib/migrations/1764800000000-ChatMembersJoinedIndex';
import { MessageLifecycle1764900000000 } from './lib/migrations/1764900000000-MessageLifecycle';
import { createUserEventsMigration } from './lib/migrations/1765100000000-UserEvents';
import { CreateBlocks1765200000000 } from './lib/migrations/1765200000000-CreateBlocks';

export * from './lib/message-cipher';
export * from './lib/store-errors';
export * from './lib/records';
export * from './lib/chats.repository';
export * from './lib/messages.repository';
export * from './lib/receipts.repository';
export * from './lib/events.repository';
export * from './lib/blocks.repository';
export type { MessageStoreMigrationOptions } from './lib/migrations/1764500000000-CreateMessageStore';

/** The PostgreSQL schema message-store owns; nobody else reads it. */
export const MESSAGE_STORE_SCHEMA = 'message_store';

/** The migrations, in order. The partition count is read when they run (MESSAGE_PARTITIONS). */
export function createMessageStoreMigrations(options: MessageStoreMigrationOptions) {
  return [
    createMessageStoreMigration(options),
    AppendMessagesFunction1764600000000,
    AppendMessagesLinear1764700000000,
    ChatMembersJoinedIndex1764800000000,
    MessageLifecycle1764900000000,
    createUserEventsMigration(options),
    CreateBlocks1765200000000,
  ];
}
