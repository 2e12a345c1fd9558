import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { RevocationStream } from './revocation-stream';
import { RevokedSessions } from './revoked-sessions';

const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const until = async (probe: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('RevocationStream (real NATS JetStream)', () => {
  let nc: NatsConnection;
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  const claims = (userId: string, sessionId: string) => ({
    userId,
    sessionId,
    issuedAt: Math.floor(Date.now() / 1000),
  });

  beforeAll(async () => {
    nc = await connect({ servers: url });
  });

  afterAll(async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(new RevocationStream(nc, { subjectPrefix: prefix }).name).catch(() => undefined);
    await nc.drain();
  });

  it('stores revocations for the token lifetime; a follower that starts later replays them, then follows live', async () => {
    const auth = new RevocationStream(nc, { subjectPrefix: prefix });
    expect(await auth.ensure(3600)).toMatchObject({ maxAgeSeconds: 3600, messages: 0 });
    const user = randomUUID();
    await auth.publish({ userId: user, sessionId: 'before-1' });
    await auth.publish({ userId: user, sessionId: 'before-2' });

    const list = new RevokedSessions();
    const seen: [string | undefined, boolean][] = [];
    const follower = await new RevocationStream(nc, { subjectPrefix: prefix }).follow(list, (e, live) =>
      seen.push([e.sessionId, live]),
    );
    expect(follower.replayed).toBe(2);
    expect(list.isRevoked(claims(user, 'before-1'))).toBe(true);
    expect(list.isRevoked(claims(user, 'before-2'))).toBe(true);
    expect(list.isRevoked(claims(user, 'never'))).toBe(false);

    await auth.publish({ userId: user, sessionId: 'later' });
    await until(() => list.isRevoked(claims(user, 'later')));
    expect(seen).toEqual([
      ['before-1', false],
      ['before-2', false],
      ['later', true],
    ]);
    follower.stop();
  });

  it('asks JetStream for the configured replicas (NATS_STREAM_REPLICAS): a single server refuses 3', async () => {
    const stream = new RevocationStream(nc, { subjectPrefix: `r${randomUUID().slice(0, 8)}.`, replicas: 3 });
    await expect(stream.ensure(3600)).rejects.toThrow(/replicas/);
  });

  it('keeps stacks apart: another subject prefix is another stream', async () => {
    const other = new RevocationStream(nc, { subjectPrefix: `u${randomUUID().slice(0, 8)}.` });
    const mine = new RevocationStream(nc, { subjectPrefix: prefix });
    expect(other.name).not.toBe(mine.name);
    expect(other.subject).not.toBe(mine.subject);
    const list = new RevokedSessions();
    const follower = await other.follow(list);
    expect(follower.replayed).toBe(0);
    expect(list.size).toBe(0);
    follower.stop();
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(other.name);
  });
});
