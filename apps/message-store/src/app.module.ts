import { Module, type DynamicModule } from '@nestjs/common';
import { MESSAGE_STORE_SCHEMA } from '@parley/message-store/data-access-messages';
import { PgDatabase, PostgresModule, postgresReadiness } from '@parley/shared/data-access-postgres';
import { natsInboxPrefix } from '@parley/contracts';
import { NatsBus, NatsBusModule } from '@parley/shared/util-nats';
import { ServiceCoreModule } from '@parley/shared/util-service';
import { BlocksModule } from './blocks/blocks.module';
import { ChatsModule } from './chats/chats.module';
import type { MessageStoreConfig } from './config/message-store.config';
import { EventsModule } from './events/events.module';
import { HeadsModule } from './heads/heads.module';
import { MessagesModule } from './messages/messages.module';
import { ReceiptsModule } from './receipts/receipts.module';
import { StoreModule } from './store/store.module';

/**
 * Batches running at once: enough to keep PostgreSQL busy while the next batch
 * gathers, leaving pool connections for chat and receipt calls.
 */
export function maxConcurrentBatches(poolSize: number): number {
  return Math.max(1, Math.min(4, Math.floor(poolSize / 2)));
}

/** How often each replica publishes its heads digest (live-delivery repair, docs/architecture.md). */
const HEADS_DIGEST_INTERVAL_MS = 1000;

@Module({})
export class AppModule {
  static forRoot(config: MessageStoreConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PostgresModule.forRoot({
          url: config.database.url,
          schema: MESSAGE_STORE_SCHEMA,
          poolSize: config.database.poolSize,
          timeouts: config.database.timeouts,
          applicationName: 'parley-message-store',
        }),
        ServiceCoreModule.forRoot({
          name: 'message-store',
          logLevel: config.logLevel,
          readiness: {
            inject: [PgDatabase, NatsBus],
            // The NATS handlers serve on this same connection (bootstrap: onBusConnection).
            useFactory: (db: PgDatabase, bus: NatsBus) => [postgresReadiness(db), bus.readiness()],
          },
        }),
        StoreModule.forRoot(config.cipher),
        HeadsModule.forRoot({ intervalMs: HEADS_DIGEST_INTERVAL_MS }),
        MessagesModule.forRoot(
          {
            ...config.append,
            maxConcurrentBatches: maxConcurrentBatches(config.database.poolSize),
          },
          config.lifecycle,
        ),
        ChatsModule,
        ReceiptsModule,
        EventsModule.forRoot(config.events),
        BlocksModule,
        // message-store's one NATS connection: it drains in onApplicationShutdown, after the last
        // heads digest went out (HeadsPublisher.beforeApplicationShutdown).
        NatsBusModule.forRoot({
          url: config.nats.url,
          name: 'message-store',
          requestTimeoutMs: 5000,
          subjectPrefix: config.nats.subjectPrefix,
          user: config.nats.user,
          pass: config.nats.pass,
          inboxPrefix: natsInboxPrefix('message-store'),
        }),
      ],
    };
  }
}
