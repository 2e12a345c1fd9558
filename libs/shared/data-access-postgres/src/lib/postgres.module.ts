import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { PgDatabase } from './pg-database';
import { openPgDatabase, type OpenPostgresOptions } from './postgres-connection';

/** The app's one PgDatabase (global: every repository provider injects it); closed at shutdown. */
@Module({})
export class PostgresModule implements OnApplicationShutdown {
  constructor(@Inject(PgDatabase) private readonly db: PgDatabase) {}

  static forRoot(options: OpenPostgresOptions): DynamicModule {
    return {
      module: PostgresModule,
      global: true,
      providers: [{ provide: PgDatabase, useFactory: () => openPgDatabase(options) }],
      exports: [PgDatabase],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}
