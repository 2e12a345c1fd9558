import { Global, Module, type DynamicModule } from '@nestjs/common';
import {
  BlocksRepository,
  ChatsRepository,
  EventsRepository,
  MessageCipher,
  MessagesRepository,
  ReceiptsRepository,
} from '@parley/message-store/data-access-messages';
import { PgDatabase } from '@parley/shared/data-access-postgres';

/** The repositories over the app's PgDatabase (PostgresModule), with the message cipher. */
@Global()
@Module({})
export class StoreModule {
  static forRoot(cipher: MessageCipher): DynamicModule {
    return {
      module: StoreModule,
      providers: [
        { provide: MessageCipher, useValue: cipher },
        {
          provide: ChatsRepository,
          inject: [PgDatabase, MessageCipher],
          useFactory: (db: PgDatabase, c: MessageCipher) => new ChatsRepository(db, c),
        },
        {
          provide: MessagesRepository,
          inject: [PgDatabase, MessageCipher],
          useFactory: (db: PgDatabase, c: MessageCipher) => new MessagesRepository(db, c),
        },
        {
          provide: EventsRepository,
          inject: [PgDatabase, MessageCipher],
          useFactory: (db: PgDatabase, c: MessageCipher) => new EventsRepository(db, c),
        },
        {
          provide: ReceiptsRepository,
          inject: [PgDatabase],
          useFactory: (db: PgDatabase) => new ReceiptsRepository(db),
        },
        {
          provide: BlocksRepository,
          inject: [PgDatabase],
          useFactory: (db: PgDatabase) => new BlocksRepository(db),
        },
      ],
      exports: [ChatsRepository, EventsRepository, MessagesRepository, ReceiptsRepository, BlocksRepository],
    };
  }
}
