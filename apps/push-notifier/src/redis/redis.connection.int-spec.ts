import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from '@parley/shared/testing';
import { Redis } from 'ioredis';
import { bootstrap } from '../bootstrap';

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('push-notifier start-up against Redis', () => {
  it('refuses a Redis whose maxmemory-policy is not noeviction, naming the fix', async () => {
    const port = await freePort();
    execFileSync('redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--maxmemory-policy',
      'allkeys-lru',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'yes',
    ]);
    // --daemonize returns before the server listens.
    await waitForPort(port);
    const admin = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    try {
      await admin.connect();
      expect(await admin.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lru']);

      const started = bootstrap({
        ...process.env,
        REDIS_URL: `redis://127.0.0.1:${port}`,
        PUSH_NOTIFIER_PORT: '0',
        LOG_LEVEL: 'silent',
      });
      await expect(started).rejects.toThrow(`Redis at redis://127.0.0.1:${port} has maxmemory-policy "allkeys-lru"`);
      await expect(started).rejects.toThrow(/needs "noeviction"/);
      // It gave up before opening anything else: only our admin connection is left.
      const clients = (await admin.client('LIST')) as string;
      expect(clients.trim().split('\n')).toHaveLength(1);
    } finally {
      // The server goes away with the connection; nothing is left to close.
      await admin.shutdown('NOSAVE').catch(() => undefined);
    }
  });
});
