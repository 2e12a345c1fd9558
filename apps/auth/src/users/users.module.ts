import { Module, type DynamicModule } from '@nestjs/common';
import { UsersRepository } from '@parley/auth/data-access-users';
import { PgDatabase } from '@parley/shared/data-access-postgres';
import { UsersController } from './users.controller';
import { UsersHandler } from './users.handler';

/** Users: GET /v1/users/:id and user.exists.v1; the repository accounts write through. */
@Module({})
export class UsersModule {
  /** `sessions`: the module that provides the access-token guard (SessionsModule.forRoot). */
  static forRoot(sessions: DynamicModule): DynamicModule {
    return {
      module: UsersModule,
      imports: [sessions],
      controllers: [UsersController, UsersHandler],
      providers: [
        { provide: UsersRepository, inject: [PgDatabase], useFactory: (db: PgDatabase) => new UsersRepository(db) },
      ],
      exports: [UsersRepository],
    };
  }
}
