import { ServerNats, type NatsOptions } from '@nestjs/microservices';
import type { NatsConnection, Subscription } from 'nats';

type ServerNatsOptions = Required<NatsOptions>['options'];

/**
 * Nest's NATS server, with every subject under an optional prefix. Stacks that share
 * one NATS server (parallel test runs, several environments) then never answer each
 * other's requests; with an empty prefix it is Nest's server unchanged.
 */
export class NamespacedNatsServer extends ServerNats {
  constructor(
    private readonly natsOptions: ServerNatsOptions,
    private readonly subjectPrefix: string,
  ) {
    super(natsOptions);
  }

  private inFlight = 0;

  override async handleMessage(...args: Parameters<ServerNats['handleMessage']>): Promise<unknown> {
    this.inFlight++;
    try {
      return await super.handleMessage(...args);
    } finally {
      this.inFlight--;
    }
  }

  /**
   * Stop taking requests, let the ones in flight answer, then drain the connection
   * (Nest's own graceful mode sleeps a fixed grace period instead).
   */
  override async close(): Promise<void> {
    const self = this as unknown as { subscriptions: Subscription[]; natsClient: NatsConnection | null };
    // drain, not unsubscribe: requests NATS already handed us still get answered.
    await Promise.all(self.subscriptions.map((sub) => sub.drain().catch(() => undefined)));
    const deadline = Date.now() + 10_000;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setImmediate(r));
    if (self.natsClient && !self.natsClient.isClosed()) await self.natsClient.drain().catch(() => undefined);
    self.natsClient = null;
  }

  override bindEvents(client: NatsConnection): void {
    const defaultQueue = this.natsOptions.queue;
    for (const [channel, handlerRef] of this.messageHandlers) {
      const queue = (handlerRef.extras?.['queue'] as string | undefined) ?? defaultQueue;
      const sub: Subscription = client.subscribe(`${this.subjectPrefix}${channel}`, {
        queue,
        callback: this.getMessageHandler(channel).bind(this),
      });
      (this as unknown as { subscriptions: Subscription[] }).subscriptions.push(sub);
    }
  }
}
