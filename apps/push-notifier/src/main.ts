import { runMain } from '@parley/shared/util-service';
import { bootstrap, migrate } from './bootstrap';

runMain('push-notifier', () => bootstrap(), { migrate: () => migrate() });
