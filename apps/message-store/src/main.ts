import { runMain } from '@parley/shared/util-service';
import { bootstrap, migrate } from './bootstrap';

runMain('message-store', () => bootstrap(), { migrate: () => migrate() });
