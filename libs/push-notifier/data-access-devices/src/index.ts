import { CreateDevices1764600000000 } from './lib/migrations/1764600000000-CreateDevices';

export * from './lib/devices.repository';

export const PUSH_SCHEMA = 'push';
export const pushMigrations = [CreateDevices1764600000000];
