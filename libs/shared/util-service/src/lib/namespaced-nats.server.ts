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
