import { Counter, Gauge, register } from 'prom-client';
import type { PresenceRepository } from './presence.repository';

const ONLINE_USERS = 'parley_presence_online_users';
const INSTANCES = 'parley_presence_instances';
const TRANSITIONS = 'parley_presence_transitions_total';

/**
 * Presence metrics on the default registry (served at /metrics). The gauges read
 * Redis at scrape time, so every replica reports the same cluster-wide numbers.
 */
export class PresenceMetrics {
  private readonly transitions: Counter<'to'>;

  constructor(repository: Pick<PresenceRepository, 'counts'>) {
    // A second app in the same process (tests) replaces the first one's metrics.
    for (const name of [ONLINE_USERS, INSTANCES, TRANSITIONS]) register.removeSingleMetric(name);
    // A failed read leaves the last value: /health/ready reports Redis trouble.
    const counts = () => repository.counts().catch(() => undefined);
    const onlineUsers: Gauge = new Gauge({
      name: ONLINE_USERS,
      help: 'Users with at least one open connection (all replicas)',
      collect: async () => {
        const c = await counts();
        if (c) onlineUsers.set(c.onlineUsers);
      },
    });
    const instances: Gauge = new Gauge({
      name: INSTANCES,
      help: 'Gateway instances known to presence (heartbeating or not yet swept)',
      collect: async () => {
        const c = await counts();
        if (c) instances.set(c.instances);
      },
    });
    this.transitions = new Counter({
      name: TRANSITIONS,
      help: 'Online/offline transitions published by this replica',
      labelNames: ['to'],
    });
  }

  transitioned(online: boolean, count: number): void {
    this.transitions.inc({ to: online ? 'online' : 'offline' }, count);
  }
}
