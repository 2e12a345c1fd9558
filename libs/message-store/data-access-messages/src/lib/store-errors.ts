// One classification for every service with a database (timeouts included): util-service's.
export { isDatabaseUnavailable } from '@parley/shared/util-service';
