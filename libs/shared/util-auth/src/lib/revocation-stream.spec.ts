import type { NatsConnection } from 'nats';
import { RevocationStream } from './revocation-stream';

/** A NATS connection whose JetStream API times out `timeouts` times (a cluster electing its leader), then answers. */
function electingConnection(timeouts: number, error: { code: string; message: string } = timeoutError()) {
  let calls = 0;
  const info = { config: { max_age: 60 * 1e9, num_replicas: 1 }, state: { messages: 3 } };
  const nc = {
    jetstreamManager: async () => {
      calls++;
      if (calls <= timeouts) throw Object.assign(new Error(error.message), { code: error.code });
      return { streams: { info: async () => info } };
    },
  } as unknown as NatsConnection;
  return { nc, calls: () => calls };
}

function timeoutError() {
  return { code: 'TIMEOUT', message: 'TIMEOUT' };
}

describe('RevocationStream.ensure while a new NATS cluster elects its JetStream leader', () => {
  it('waits out JetStream API timeouts and then answers', async () => {
    const conn = electingConnection(2);
    await expect(new RevocationStream(conn.nc).ensure()).resolves.toEqual({ maxAgeSeconds: 60, messages: 3 });
    expect(conn.calls()).toBe(3);
  });

  it('throws any other error at once', async () => {
    const conn = electingConnection(1, { code: 'PERMISSIONS_VIOLATION', message: 'denied' });
    await expect(new RevocationStream(conn.nc).ensure()).rejects.toThrow('denied');
    expect(conn.calls()).toBe(1);
  });
});
