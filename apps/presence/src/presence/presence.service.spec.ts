import { Logger } from '@nestjs/common';
import { ParleyError } from '@parley/contracts';
import type { PresenceEventsPublisher } from './presence-events.publisher';
import type { ConnectionRef, PresenceRepository } from './presence.repository';
import { HEARTBEAT_BATCH, MAX_SWEEP_ROUNDS, PresenceService, REMOVE_BATCH } from './presence.service';

function setup() {
  const repository = {
    connect: jest.fn(async () => ({ cameOnline: false, refused: false, at: 1000 })),
    disconnect: jest.fn(async () => ({ wentOffline: false, at: 1000 })),
    heartbeat: jest.fn<Promise<{ userIds: string[]; at: number }>, [string, number, ConnectionRef[]]>(async () => ({
      userIds: [],
      at: 1000,
    })),
    instanceGone: jest.fn(async () => ({ batches: [] as { userIds: string[]; at: number }[], remaining: 0 })),
    sweep: jest.fn(async () => ({ batches: [] as { userIds: string[]; at: number }[], more: false })),
    locate: jest.fn(async () => new Map<string, string[]>()),
    query: jest.fn(async () => [] as { userId: string; online: boolean; lastSeenMs: number | null }[]),
  };
  const published: { userId: string; online: boolean; at?: number }[] = [];
  const events = {
    online: jest.fn((ids: string[]) => ids.forEach((userId) => published.push({ userId, online: true }))),
    offline: jest.fn((ids: string[], at: number) =>
      ids.forEach((userId) => published.push({ userId, online: false, at })),
    ),
  };
  const service = new PresenceService(
    repository as unknown as PresenceRepository,
    events as unknown as PresenceEventsPublisher,
  );
  return { repository, events, published, service };
}

const conn = { userId: 'u1', instanceId: 'gw-1', socketId: 's1' };

describe('PresenceService', () => {
  beforeAll(() => Logger.overrideLogger(false));
  it('publishes online only when the connection brought the user online', async () => {
    const { repository, published, service } = setup();
    repository.connect
      .mockResolvedValueOnce({ cameOnline: true, refused: false, at: 5 })
      .mockResolvedValueOnce({ cameOnline: false, refused: false, at: 6 });
    await expect(service.connect(conn)).resolves.toEqual({ cameOnline: true });
    await expect(service.connect({ ...conn, socketId: 's2' })).resolves.toEqual({ cameOnline: false });
    expect(repository.connect).toHaveBeenNthCalledWith(1, 'u1', 'gw-1', 's1', 0);
    expect(published).toEqual([{ userId: 'u1', online: true }]);
  });

  it('passes the connection cap on, and a refused connection publishes nothing', async () => {
    const { repository, published, service } = setup();
    repository.connect.mockResolvedValueOnce({ cameOnline: false, refused: true, at: 5 });
    await expect(service.connect({ ...conn, maxConnections: 10 })).resolves.toEqual({
      cameOnline: false,
      refused: true,
    });
    expect(repository.connect).toHaveBeenCalledWith('u1', 'gw-1', 's1', 10);
    expect(published).toEqual([]);
  });

  it('publishes offline with the time the last connection closed', async () => {
    const { repository, published, service } = setup();
    repository.disconnect
      .mockResolvedValueOnce({ wentOffline: false, at: 5 })
      .mockResolvedValueOnce({ wentOffline: true, at: 7000 });
    await expect(service.disconnect(conn)).resolves.toEqual({ wentOffline: false });
    await expect(service.disconnect(conn)).resolves.toEqual({ wentOffline: true });
    expect(published).toEqual([{ userId: 'u1', online: false, at: 7000 }]);
  });

  it.each([
    ['a missing socketId', { userId: 'u1', instanceId: 'gw-1' }],
    ["a '|' in the user id", { ...conn, userId: 'u|1' }],
    ['an over-long instance id', { ...conn, instanceId: 'x'.repeat(129) }],
    ['no payload', null],
  ])('rejects %s as invalid without touching Redis', async (_what, payload) => {
    const { repository, service } = setup();
    const err = await service.connect(payload).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParleyError);
    expect((err as ParleyError).code).toBe('invalid');
    expect(repository.connect).not.toHaveBeenCalled();
  });

  it('applies a big heartbeat in batches, skipping bad rows, and publishes who came online', async () => {
    const { repository, published, service } = setup();
    const good = Array.from({ length: HEARTBEAT_BATCH * 2 + 1 }, (_, i) => ({ userId: `u${i}`, socketId: `s${i}` }));
    repository.heartbeat.mockImplementation(async (_inst, _ttl, rows) => ({
      userIds: rows.slice(0, 1).map((r) => r.userId),
      at: 1,
    }));
    await service.heartbeat({
      instanceId: 'gw-1',
      ttlSeconds: 25,
      connections: [...good, { userId: 'bad|id', socketId: 'x' }, { userId: 'u', socketId: '' }, 42],
    });
    expect(repository.heartbeat).toHaveBeenCalledTimes(3);
    const sent = repository.heartbeat.mock.calls.flatMap(([inst, ttl, rows]) => {
      expect([inst, ttl]).toEqual(['gw-1', 25_000]);
      return rows;
    });
    expect(sent).toEqual(good);
    expect(published).toEqual(
      [0, HEARTBEAT_BATCH, HEARTBEAT_BATCH * 2].map((i) => ({ userId: `u${i}`, online: true })),
    );
  });

  it('still refreshes the instance on a heartbeat with no connections', async () => {
    const { repository, service } = setup();
    await service.heartbeat({ instanceId: 'gw-1', ttlSeconds: 30, connections: [] });
    expect(repository.heartbeat).toHaveBeenCalledWith('gw-1', 30_000, []);
  });

  it('rejects heartbeats with a bad ttl', async () => {
    const { repository, service } = setup();
    await expect(service.heartbeat({ instanceId: 'gw-1', ttlSeconds: 0, connections: [] })).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(service.heartbeat({ instanceId: 'gw-1', ttlSeconds: 2.5, connections: [] })).rejects.toMatchObject({
      code: 'invalid',
    });
    expect(repository.heartbeat).not.toHaveBeenCalled();
  });

  it('closes a departing instance batch by batch until nothing remains', async () => {
    const { repository, published, service } = setup();
    repository.instanceGone
      .mockResolvedValueOnce({ batches: [{ userIds: ['a', 'b'], at: 10 }], remaining: REMOVE_BATCH })
      .mockResolvedValueOnce({ batches: [{ userIds: ['c'], at: 11 }], remaining: 0 });
    await service.instanceGone({ instanceId: 'gw-1' });
    expect(repository.instanceGone).toHaveBeenCalledTimes(2);
    expect(repository.instanceGone).toHaveBeenCalledWith('gw-1', REMOVE_BATCH);
    expect(published).toEqual([
      { userId: 'a', online: false, at: 10 },
      { userId: 'b', online: false, at: 10 },
      { userId: 'c', online: false, at: 11 },
    ]);
  });

  it('sweeps while there is more, at most MAX_SWEEP_ROUNDS calls per tick', async () => {
    const { repository, published, service } = setup();
    repository.sweep
      .mockResolvedValueOnce({ batches: [{ userIds: ['a'], at: 1 }], more: true })
      .mockResolvedValueOnce({ batches: [{ userIds: ['b'], at: 2 }], more: false });
    await expect(service.sweep()).resolves.toBe(2);
    expect(published).toEqual([
      { userId: 'a', online: false, at: 1 },
      { userId: 'b', online: false, at: 2 },
    ]);

    repository.sweep.mockReset().mockResolvedValue({ batches: [{ userIds: [], at: 3 }], more: true });
    await service.sweep();
    expect(repository.sweep).toHaveBeenCalledTimes(MAX_SWEEP_ROUNDS);
  });

  it('locates each user once and answers only the online ones', async () => {
    const { repository, service } = setup();
    repository.locate.mockResolvedValueOnce(new Map([['a', ['gw-1', 'gw-2']]]));
    await expect(service.locate({ userIds: ['a', 'b', 'a'] })).resolves.toEqual({ locations: { a: ['gw-1', 'gw-2'] } });
    expect(repository.locate).toHaveBeenCalledWith(['a', 'b']);
    await expect(service.locate({ userIds: ['a', 7] })).rejects.toMatchObject({ code: 'invalid' });
    await expect(service.locate({ userIds: Array.from({ length: 10_001 }, (_, i) => `u${i}`) })).rejects.toMatchObject({
      code: 'invalid',
    });
  });

  it('answers lastSeenAt null while online or never seen, and the ISO time otherwise', async () => {
    const { repository, service } = setup();
    repository.query.mockResolvedValueOnce([
      { userId: 'on', online: true, lastSeenMs: 1000 },
      { userId: 'never', online: false, lastSeenMs: null },
      { userId: 'gone', online: false, lastSeenMs: Date.UTC(2026, 0, 2, 3, 4, 5) },
    ]);
    await expect(service.query({ userIds: ['on', 'never', 'gone'] })).resolves.toEqual({
      presence: [
        { userId: 'on', online: true, lastSeenAt: null },
        { userId: 'never', online: false, lastSeenAt: null },
        { userId: 'gone', online: false, lastSeenAt: '2026-01-02T03:04:05.000Z' },
      ],
    });
  });
});
