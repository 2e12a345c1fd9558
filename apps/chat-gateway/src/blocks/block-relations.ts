import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { BlockChangedV1, BlockRelationsV1, type BlockChanged } from '@parley/contracts';
import { NatsBus } from '@parley/shared/util-nats';
import { ConnectionRegistry } from '../connections/connection-registry';

const TTL_MS = 60_000;
const MAX_PAIRS = 100_000;

/**
 * What this gateway knows of blocks between pairs of users (for typing in direct chats), asked
 * of message-store once and dropped when any gateway announces a change of the pair (and after
 * a minute regardless). A block also stops, on every gateway, the relay of the blocker's
 * presence to the blocked user's sockets.
 */
@Injectable()
export class BlockRelations implements OnApplicationBootstrap {
  private readonly cache = new Map<string, { blocked: boolean; expires: number }>();
  /** Bumped by every change: a lookup that started before one does not fill the cache. */
  private epoch = 0;

  constructor(
    private readonly bus: NatsBus,
    private readonly registry: ConnectionRegistry,
  ) {}

  onApplicationBootstrap(): void {
    this.bus.subscribe(BlockChangedV1, (change) => this.apply(change));
  }

  /** Does either user block the other? */
  async eitherBlocks(userA: string, userB: string): Promise<boolean> {
    const key = pairKey(userA, userB);
    const hit = this.cache.get(key);
    if (hit && hit.expires > Date.now()) return hit.blocked;
    const epoch = this.epoch;
    const { blockedBy, blocking } = await this.bus.request(BlockRelationsV1, { userId: userA, otherUserIds: [userB] });
    const blocked = blockedBy.length > 0 || blocking.length > 0;
    if (epoch === this.epoch) {
      if (this.cache.size >= MAX_PAIRS) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, { blocked, expires: Date.now() + TTL_MS });
    }
    return blocked;
  }

  /** Of `otherUserIds`, those who block `userId` (always asked of the store: it is the truth). */
  async blockersOf(userId: string, otherUserIds: string[]): Promise<string[]> {
    if (otherUserIds.length === 0) return [];
    return (await this.bus.request(BlockRelationsV1, { userId, otherUserIds })).blockedBy;
  }

  /** Applies a change here at once, and tells every other gateway before the caller answers. */
  async announce(change: BlockChanged): Promise<void> {
    this.apply(change);
    this.bus.publish(BlockChangedV1, change);
    await this.bus.flush();
  }

  private apply(change: BlockChanged): void {
    this.epoch++;
    this.cache.delete(pairKey(change.blockerId, change.blockedId));
    if (!change.blocked) return;
    for (const conn of this.registry.connectionsOf(change.blockedId)) this.registry.unwatch(conn, change.blockerId);
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}
