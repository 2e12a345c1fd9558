import type { Population } from './population';
import type { WorkerChat, WorkerUser } from './protocol';

/**
 * How users are spread over the gateways: user, round-robin by user index (1:1 pairs are consecutive
 * users, so with two gateways every pair straddles them); chat, round-robin by chat index, so that
 * all members of a chat share a gateway (as a load balancer sticky by chat would place them).
 */
export type Placement = 'user' | 'chat';
export const PLACEMENTS: Placement[] = ['user', 'chat'];

/** What partition needs of the run's options. */
export interface PartitionOptions {
  population: Population;
  workers: number;
  socketsPerWorker: number;
  sourceAddresses: number;
  gatewayUrls: string[];
  grpcAddresses: string[];
  senders: 'all' | 'first';
  placement: Placement;
}

/** One worker's share of the population, with worker-local user indexes. */
export interface WorkerPart {
  users: WorkerUser[];
  chats: WorkerChat[];
}

/** Splits the population so that every chat lives wholly inside one worker. */
export function partition(options: PartitionOptions): WorkerPart[] {
  const { population: pop } = options;
  const count = Math.max(options.workers, Math.ceil(pop.users.length / options.socketsPerWorker), 1);
  const parts = Array.from({ length: count }, () => ({
    users: [] as WorkerUser[],
    chats: [] as WorkerChat[],
    local: new Map<number, number>(),
  }));
  const placed = new Set<number>();
  const slotOf = gatewaySlots(options);
  const userOf = (global: number) => workerUser(options, global, slotOf(global));
  const perWorker = Math.ceil(pop.users.length / count);
  let w = 0;
  for (const chat of pop.chats) {
    if (parts[w].users.length + chat.members.length > perWorker && w < count - 1 && parts[w].users.length > 0) w++;
    const part = parts[w];
    const members = chat.members.map((m) => {
      let local = part.local.get(m);
      if (local === undefined) {
        local = part.users.length;
        part.local.set(m, local);
        part.users.push(userOf(m));
        placed.add(m);
      }
      return local;
    });
    part.chats.push({ id: chat.id, members, senders: options.senders === 'all' ? members : members.slice(0, 1) });
  }
  // Users in no chat still connect (idle sockets).
  pop.users.forEach((_, i) => {
    if (placed.has(i)) return;
    const part = parts.reduce((a, b) => (a.users.length <= b.users.length ? a : b));
    part.users.push(userOf(i));
  });
  return parts.filter((p) => p.users.length > 0).map(({ users, chats }) => ({ users, chats }));
}

/**
 * The number each user's gateway is picked by, round-robin: its own index, or (placement chat) its
 * first chat's index; users in no chat keep their own.
 */
function gatewaySlots(options: PartitionOptions): (global: number) => number {
  if (options.placement !== 'chat') return (global) => global;
  const firstChat = new Map<number, number>();
  options.population.chats.forEach((chat, i) => {
    for (const m of chat.members) if (!firstChat.has(m)) firstChat.set(m, i);
  });
  return (global) => firstChat.get(global) ?? global;
}

/** A user with the gateway (and source address) it connects through: the slot-th round-robin. */
function workerUser(options: PartitionOptions, global: number, slot: number): WorkerUser {
  const u = options.population.users[global];
  const addr = options.sourceAddresses > 1 ? `127.0.0.${1 + (global % options.sourceAddresses)}` : undefined;
  return {
    id: u.id,
    token: u.token,
    gatewayUrl: options.gatewayUrls[slot % options.gatewayUrls.length],
    grpcAddress: options.grpcAddresses.length ? options.grpcAddresses[slot % options.grpcAddresses.length] : undefined,
    localAddress: addr,
  };
}
