import { CreateUsers1764400000000 } from './lib/migrations/1764400000000-CreateUsers';
import { UserEntity } from './lib/user.entity';

export * from './lib/user.entity';
export * from './lib/users.repository';

export const AUTH_SCHEMA = 'auth';
export const authEntities = [UserEntity];
export const authMigrations = [CreateUsers1764400000000];
