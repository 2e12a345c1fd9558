import { Outbox, type OutboxEntry } from './outbox';
import { MemoryStorage, WebStorageAdapter, type WebStorageLike } from './storage';

const entry = (id: string, chatId = 'c'): OutboxEntry => ({
  chatId,
  clientMsgId: id,
  body: `body ${id}`,
  createdAt: '2026-01-01T00:00:00.000Z',
});

class FakeLocalStorage implements WebStorageLike {
  readonly data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}

describe('Outbox', () => {
  it('survives a restart through its storage, in order, and is emptied entry by entry', async () => {
    const storage = new MemoryStorage();
    const first = new Outbox(storage, 'k');
    await first.add(entry('1'));
    await first.add(entry('2', 'd'));
    await first.add(entry('1')); // same entry again: kept once
    expect(first.entries().map((e) => e.clientMsgId)).toEqual(['1', '2']);

    const second = new Outbox(storage, 'k');
    expect((await second.load()).map((e) => e.clientMsgId)).toEqual(['1', '2']);
    expect(second.entries('d').map((e) => e.clientMsgId)).toEqual(['2']);
    await second.remove('c', '1');
    await second.remove('d', '2');
    expect(await storage.get('k')).toBeNull();
    expect(await new Outbox(storage, 'k').load()).toEqual([]);
  });

  it('an add before load keeps the stored entries, the new one after them', async () => {
    const storage = new MemoryStorage();
    await storage.set('k', JSON.stringify([entry('old')]));
    const box = new Outbox(storage, 'k');
    await box.add(entry('new'));
    await box.load();
    expect(box.entries().map((e) => e.clientMsgId)).toEqual(['old', 'new']);
  });

  it('ignores corrupt storage and malformed entries', async () => {
    const storage = new MemoryStorage();
    await storage.set('a', '{not json');
    await storage.set('b', JSON.stringify([entry('ok'), { chatId: 1 }, null]));
    expect(await new Outbox(storage, 'a').load()).toEqual([]);
    expect((await new Outbox(storage, 'b').load()).map((e) => e.clientMsgId)).toEqual(['ok']);
  });

  it('writes through a Web Storage (localStorage) adapter under a prefix', async () => {
    const ls = new FakeLocalStorage();
    const box = new Outbox(new WebStorageAdapter(ls, 'app:'), 'outbox');
    await box.add(entry('x'));
    expect(JSON.parse(ls.data.get('app:outbox') ?? '[]')).toEqual([entry('x')]);
  });
});
