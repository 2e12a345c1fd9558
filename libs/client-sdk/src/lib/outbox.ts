import type { KeyValueStorage } from './storage';

/** A message typed by the user and not yet acknowledged by the server. */
export interface OutboxEntry {
  chatId: string;
  clientMsgId: string;
  body: string;
  /** The seq of the message this one replies to (same chat), if any. */
  replyToSeq?: number;
  /** When the user sent it (client clock), ISO-8601. */
  createdAt: string;
}

/**
 * The local outbox: kept in memory (the truth) and written through to storage, so a
 * message typed while offline survives a reload and is sent once when the network returns.
 */
export class Outbox {
  private items: OutboxEntry[] = [];
  private writes: Promise<void> = Promise.resolve();
  private ready: Promise<void> | null = null;

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly key: string,
  ) {}

  /** Reads storage once; every change waits for it, so nothing stored is overwritten unseen. */
  async load(): Promise<OutboxEntry[]> {
    this.ready ??= this.storage.get(this.key).then(
      (raw) => {
        this.items = parseEntries(raw);
      },
      () => undefined,
    );
    await this.ready;
    return this.entries();
  }

  entries(chatId?: string): OutboxEntry[] {
    return this.items.filter((e) => chatId === undefined || e.chatId === chatId);
  }

  has(chatId: string, clientMsgId: string): boolean {
    return this.items.some((e) => e.chatId === chatId && e.clientMsgId === clientMsgId);
  }

  async add(entry: OutboxEntry): Promise<void> {
    await this.load();
    if (!this.has(entry.chatId, entry.clientMsgId)) this.items.push(entry);
    return this.persist();
  }

  async remove(chatId: string, clientMsgId: string): Promise<void> {
    await this.load();
    const before = this.items.length;
    this.items = this.items.filter((e) => !(e.chatId === chatId && e.clientMsgId === clientMsgId));
    return this.items.length === before ? this.writes : this.persist();
  }

  /** Writes are serialised so an older snapshot never lands after a newer one. */
  private persist(): Promise<void> {
    const snapshot = this.items.length === 0 ? null : JSON.stringify(this.items);
    this.writes = this.writes
      .then(() => (snapshot === null ? this.storage.remove(this.key) : this.storage.set(this.key, snapshot)))
      .catch(() => undefined);
    return this.writes;
  }
}

function parseEntries(raw: string | null): OutboxEntry[] {
  if (!raw) return [];
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value)) return [];
    return value.filter(
      (e): e is OutboxEntry =>
        typeof e === 'object' &&
        e !== null &&
        typeof e.chatId === 'string' &&
        typeof e.clientMsgId === 'string' &&
        typeof e.body === 'string' &&
        typeof e.createdAt === 'string',
    );
  } catch {
    return [];
  }
}
