import { Logger } from '@nestjs/common';
import { ServerNats, type NatsContext, type NatsOptions } from '@nestjs/microservices';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { loggableError } from './log-safety';

type ServerNatsOptions = Required<NatsOptions>['options'];

/**
 * Nest's NATS server, with every subject under an optional prefix. Stacks that share
 * one NATS server (parallel test runs, several environments) then never answer each
 * other's requests; with an empty prefix it is Nest's server unchanged. Given a
 * `connection` (the app's NatsBus), it serves on that one instead of opening its own,
 * and leaves closing it to its owner. Built on Server's public and protected API only.
 */
export class NamespacedNatsServer extends ServerNats {
  constructor(
    private readonly natsOptions: ServerNatsOptions,
    private readonly subjectPrefix: string,
    private readonly connection?: NatsConnection,
  ) {
    super(natsOptions);
  }

  private inFlight = 0;
  private handlerSubscriptions: Subscription[] = [];
  private readonly replyLogger = new Logger('NatsReplies');

  /**
   * Nest's publisher throws where its reply cannot be sent (over NATS's max_payload, or the
   * connection closed) outside any handler, and the process dies with every request it had
   * in flight. Here the requester gets an error answer instead, and the failure is logged
   * with its subject; the process carries on.
   */
  override getPublisher(natsMsg: Msg, id: string, ctx: NatsContext): (response: unknown) => unknown {
    const publish = super.getPublisher(natsMsg, id, ctx);
    return (response) => {
      try {
        return publish(response);
      } catch (err) {
        this.replyLogger.error({ err: loggableError(err), subject: natsMsg.subject }, 'reply could not be sent');
        try {
          return publish({
            err: { code: 'internal', message: 'the answer could not be sent (too large?)' },
            isDisposed: true,
          });
        } catch {
          return undefined; // the connection itself is gone: the requester times out into `unavailable`
        }
      }
    };
  }

  override async handleMessage(...args: Parameters<ServerNats['handleMessage']>): Promise<unknown> {
    this.inFlight++;
    try {
      return await super.handleMessage(...args);
    } finally {
      this.inFlight--;
    }
  }

  override createNatsClient(): Promise<NatsConnection> {
    return this.connection ? Promise.resolve(this.connection) : (super.createNatsClient() as Promise<NatsConnection>);
  }

  /**
   * Stop taking requests, let the ones in flight answer, then drain the connection if it is
   * this server's own (Nest's own graceful mode sleeps a fixed grace period instead).
   */
  override async close(): Promise<void> {
    // drain, not unsubscribe: requests NATS already handed us still get answered.
    await Promise.all(this.handlerSubscriptions.map((sub) => sub.drain().catch(() => undefined)));
    this.handlerSubscriptions = [];
    const deadline = Date.now() + 10_000;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setImmediate(r));
    if (this.connection) return; // its owner (the app's NatsBus) flushes and closes it
    const own = this.client();
    if (own && !own.isClosed() && !own.isDraining()) await own.drain().catch(() => undefined);
    await super.close();
  }

  /**
   * Started means served: the NATS server knows the subscriptions before the app says it is up
   * (a request sent right after start could otherwise find no responders).
   */
  override start(callback: (err?: unknown, ...optionalParams: unknown[]) => void): void {
    super.start((err) => {
      const client = this.client();
      if (err || !client) return callback(err);
      client.flush().then(
        () => callback(),
        (flushErr: unknown) => callback(flushErr),
      );
    });
  }

  override bindEvents(client: NatsConnection): void {
    const defaultQueue = this.natsOptions.queue;
    for (const [channel, handlerRef] of this.messageHandlers) {
      const queue = (handlerRef.extras?.['queue'] as string | undefined) ?? defaultQueue;
      this.handlerSubscriptions.push(
        client.subscribe(`${this.subjectPrefix}${channel}`, {
          queue,
          callback: this.getMessageHandler(channel).bind(this),
        }),
      );
    }
  }

  private client(): NatsConnection | undefined {
    try {
      return this.unwrap<NatsConnection>();
    } catch {
      return undefined; // never listened
    }
  }
}
