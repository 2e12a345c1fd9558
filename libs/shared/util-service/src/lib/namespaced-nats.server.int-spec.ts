import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { NamespacedNatsServer } from './namespaced-nats.server';

const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const prefix = `test.${process.pid}.${Date.now()}.`;
const codec = JSONCodec<{ id?: string; response?: unknown; err?: { code: string; message: string } }>();

@Controller()
class SizesController {
  @MessagePattern('sizes.small.v1')
  small(): { n: number } {
    return { n: 1 };
  }

  /** Over NATS's 1 MiB max_payload: publishing this reply throws inside Nest's publisher. */
  @MessagePattern('sizes.huge.v1')
  huge(): { blob: string } {
    return { blob: 'x'.repeat(2 * 1024 * 1024) };
  }
}

@Module({ controllers: [SizesController] })
class SizesModule {}

describe('NamespacedNatsServer (real NATS)', () => {
  let app: INestMicroservice;
  let nc: NatsConnection;

  beforeAll(async () => {
    app = await NestFactory.createMicroservice(SizesModule, {
      strategy: new NamespacedNatsServer({ servers: url, queue: 'sizes-test' }, prefix),
      logger: false,
    });
    await app.listen();
    nc = await connect({ servers: url });
  });
  afterAll(async () => {
    await nc?.drain();
    await app?.close();
  });

  const ask = async (pattern: string) => {
    const msg = await nc.request(`${prefix}${pattern}`, JSONCodec().encode({ pattern, data: {}, id: `${pattern}-1` }), {
      timeout: 5000,
    });
    return codec.decode(msg.data);
  };

  it("answers a reply over NATS's limit with an error, and keeps serving", async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const reply = await ask('sizes.huge.v1');
      expect(reply.err).toMatchObject({ code: 'internal' });
      expect(reply.response).toBeUndefined();
      // The server is alive and answers the next request as usual.
      expect((await ask('sizes.small.v1')).response).toEqual({ n: 1 });
      await new Promise((r) => setTimeout(r, 50));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});

describe('NamespacedNatsServer on a connection it is given', () => {
  it('serves on that connection (no second one) and leaves it open when it closes', async () => {
    const shared = await connect({ servers: url, name: 'shared' });
    const client = await connect({ servers: url });
    const app = await NestFactory.createMicroservice(SizesModule, {
      strategy: new NamespacedNatsServer({ servers: url, queue: 'sizes-test' }, prefix, shared),
      logger: false,
    });
    try {
      await app.listen();
      const msg = await client.request(
        `${prefix}sizes.small.v1`,
        JSONCodec().encode({ pattern: 'sizes.small.v1', data: {}, id: 's-1' }),
        { timeout: 5000 },
      );
      expect(codec.decode(msg.data).response).toEqual({ n: 1 });
      await app.close();
      expect(shared.isClosed()).toBe(false);
      // Its handlers are gone from the connection: nobody answers any more.
      await expect(
        client.request(
          `${prefix}sizes.small.v1`,
          JSONCodec().encode({ pattern: 'sizes.small.v1', data: {}, id: 's-2' }),
          { timeout: 1000 },
        ),
      ).rejects.toBeDefined();
    } finally {
      await client.drain();
      await shared.drain();
    }
  });
});
