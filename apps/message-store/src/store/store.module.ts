import { Global, Module, type DynamicModule } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import {
  ChatsRepository,
  MessageCipher,
  MessagesRepository,
  PgDatabase,
  ReceiptsRepository,
} from '@parley/message-store/data-access-messages';
import type { DataSource } from 'typeorm';

/** The repositories over the app's PostgreSQL pool, with the message cipher. */
@Global()
@Module({})
export class StoreModule {
  static forRoot(cipher: MessageCipher): DynamicModule {
    return {
      module: StoreModule,
      providers: [
        { provide: MessageCipher, useValue: cipher },
        { provide: PgDatabase, inject: [getDataSourceToken()], useFactory: (ds: DataSource) => PgDatabase.fromDataSource(ds) },
        { provide: ChatsRepository, inject: [PgDatabase, MessageCipher], useFactory: (db: PgDatabase, c: MessageCipher) => new ChatsRepository(db, c) },
        {
          provide: MessagesRepository,
          inject: [PgDatabase, MessageCipher],
          useFactory: (db: PgDatabase, c: MessageCipher) => new MessagesRepository(db, c),
        },
        { provide: ReceiptsRepository, inject: [PgDatabase], useFactory: (db: PgDatabase) => new ReceiptsRepository(db) },
      ],
      exports: [ChatsRepository, MessagesRepository, ReceiptsRepository],
    };
  }
}
