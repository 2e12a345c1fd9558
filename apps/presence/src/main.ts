import { runMain } from '@parley/shared/util-service';
import { bootstrap } from './bootstrap';

runMain('presence', () => bootstrap());
