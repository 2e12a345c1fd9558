/**
 * Where the SDK keeps what must survive a restart (the outbox, the session). Async so that
 * IndexedDB, React Native's AsyncStorage or a file can stand behind it.
 */
export interface KeyValueStorage {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  remove(key: string): Promise<void>;
}

/** The default: nothing survives the process (or the page). */
export class MemoryStorage implements KeyValueStorage {
  private readonly data = new Map<string, string>();

  async get(key: string): Promise<string | null> {
    return this.data.get(key) ?? null;
  }

  async set(key: string, value: string): Promise<void> {
    this.data.set(key, value);
  }

  async remove(key: string): Promise<void> {
    this.data.delete(key);
  }
}

/** The subset of the Web Storage API the adapter uses (window.localStorage fits). */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Browsers: `new WebStorageAdapter(window.localStorage)`. */
export class WebStorageAdapter implements KeyValueStorage {
  constructor(
    private readonly store: WebStorageLike,
    private readonly prefix = '',
  ) {}

  async get(key: string): Promise<string | null> {
    return this.store.getItem(this.prefix + key);
  }

  async set(key: string, value: string): Promise<void> {
    this.store.setItem(this.prefix + key, value);
  }

  async remove(key: string): Promise<void> {
    this.store.removeItem(this.prefix + key);
  }
}

/** `localStorage` when there is one (browsers), else an in-memory store. */
export function defaultBrowserStorage(prefix = ''): KeyValueStorage {
  const ls = (globalThis as { localStorage?: WebStorageLike }).localStorage;
  return ls ? new WebStorageAdapter(ls, prefix) : new MemoryStorage();
}
