import { runMain } from '@parley/shared/util-service';
import { bootstrap, migrate } from './bootstrap';

runMain('auth', () => bootstrap(), { migrate: () => migrate() });
