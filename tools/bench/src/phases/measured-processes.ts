import { pidOf, type CpuScope } from '@parley/tools/proc-stats';

/**
 * CPU of the given processes, plus PostgreSQL's (its own processes and this database's
 * backends): the bench's phases that the load generator does not drive.
 */
export function cpuScope(pids: Record<string, number>, database: string): CpuScope {
  return {
    pids: Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, [pid]])),
    infra: { pgDatabase: database, only: ['postgres'] },
  };
}

/** nats-server's pid (shared by every stack on this machine), if it runs here. */
export function natsPid(port: string): Record<string, number> {
  const pid = pidOf('nats-server', port);
  return pid ? { nats: pid } : {};
}

/** redis-server's pid, if it runs here. */
export function redisPid(): Record<string, number> {
  const pid = pidOf('redis-server', ':6379');
  return pid ? { redis: pid } : {};
}
