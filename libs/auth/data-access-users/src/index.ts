import { CreateUsers1764400000000 } from './lib/migrations/1764400000000-CreateUsers';
import { CreateSessions1764500000000 } from './lib/migrations/1764500000000-CreateSessions';

export * from './lib/user.record';
export * from './lib/users.repository';
export * from './lib/sessions.repository';

export const AUTH_SCHEMA = 'auth';
/** The auth schema's migrations, in order (users, then sessions that reference them). */
export const authMigrations = [CreateUsers1764400000000, CreateSessions1764500000000];
