import { Injectable } from '@nestjs/common';
import type { ClientConnection } from './client-connection';

/** The sockets this gateway instance holds, by user and by watched user. */
@Injectable()
export class ConnectionRegistry {
  private readonly byUser = new Map<string, Set<ClientConnection>>();
  private readonly watchers = new Map<string, Set<ClientConnection>>();
  private count = 0;

  add(conn: ClientConnection): void {
    let set = this.byUser.get(conn.userId);
    if (!set) this.byUser.set(conn.userId, (set = new Set()));
    set.add(conn);
    this.count++;
  }

  remove(conn: ClientConnection): void {
    const set = this.byUser.get(conn.userId);
    if (set?.delete(conn)) {
      this.count--;
      if (set.size === 0) this.byUser.delete(conn.userId);
    }
    if (conn.watching) for (const userId of conn.watching) this.unwatch(conn, userId);
  }

  connectionsOf(userId: string): Iterable<ClientConnection> {
    return this.byUser.get(userId) ?? [];
  }

  connectionCount(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  get size(): number {
    return this.count;
  }

  users(): IterableIterator<string> {
    return this.byUser.keys();
  }

  all(): ClientConnection[] {
    return [...this.byUser.values()].flatMap((s) => [...s]);
  }

  watch(conn: ClientConnection, userId: string): void {
    (conn.watching ??= new Set()).add(userId);
    let set = this.watchers.get(userId);
    if (!set) this.watchers.set(userId, (set = new Set()));
    set.add(conn);
  }

  watchersOf(userId: string): Iterable<ClientConnection> {
    return this.watchers.get(userId) ?? [];
  }

  unwatch(conn: ClientConnection, userId: string): void {
    conn.watching?.delete(userId);
    const set = this.watchers.get(userId);
    set?.delete(conn);
    if (set && set.size === 0) this.watchers.delete(userId);
  }
}
