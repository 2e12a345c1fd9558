import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { connect, ErrorCode as NatsErrorCode, type NatsConnection, type NatsError, type Subscription } from 'nats';
import {
  ParleyError,
  type EventContract,
  type PayloadOf,
  type ReplyOf,
  type RequestOf,
  type RpcContract,
} from '@parley/contracts';
import { decodeReply, packetCodec as codec, requestFailure, type RequestPacket } from './nats-packets';
import { RpcPipeline } from './rpc-pipeline';
import { natsServers } from './nats-servers';

/**
 * nats.js connect options for an app's identity and transport: no credentials without a password
 * (anonymous), and a `tls://` URL REQUIRES TLS (nats.js alone would fall back to plain text with a
 * server that does not offer it).
 */
export function natsSecurityOptions(options: { url: string; user?: string; pass?: string }): {
  user?: string;
  pass?: string;
  tls?: Record<string, never>;
} {
  return {
    ...(options.pass ? { user: options.user, pass: options.pass } : {}),
    ...(options.url.split(',').some((u) => u.trim().startsWith('tls://')) ? { tls: {} } : {}),
  };
}

export interface NatsBusOptions {
  /** NATS_URL: one server or a comma-separated list (natsServers). */
  url: string;
  /** Shown in NATS monitoring; e.g. "chat-gateway:<instanceId>". */
  name: string;
  requestTimeoutMs: number;
  /** Put before every subject (NATS_SUBJECT_PREFIX): isolates stacks sharing one NATS server. */
  subjectPrefix?: string;
  /** The app's NATS identity (NATS_USER / NATS_PASSWORD); absent: anonymous. */
  user?: string;
  pass?: string;
  /**
   * Prefix of this connection's reply inboxes (natsInboxPrefix(app) from @parley/contracts): the
   * app's NATS permissions let it subscribe only there. Absent: nats.js's `_INBOX`.
   */
  inboxPrefix?: string;
}

/** Why a request waiting when the connection dropped was answered `unavailable` (after the service's name). */
const CONNECTION_LOST = 'unreachable: the NATS connection was lost; retry';

export interface RequestOptions {
  timeoutMs?: number;
}

/** Typed request/publish/subscribe over one NATS connection. */
export class NatsBus {
  private readonly logger = new Logger('NatsBus');

  private constructor(
    readonly connection: NatsConnection,
    private readonly options: NatsBusOptions,
  ) {}

  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    try {
      const nc = await connect({
        servers: natsServers(options.url),
        name: options.name,
        ...natsSecurityOptions(options),
        ...(options.inboxPrefix ? { inboxPrefix: options.inboxPrefix } : {}),
        // Keep retrying after a restart of NATS instead of giving up.
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        timeout: 5000,
        // nats.js otherwise captures a stack trace (new Error) for every request, to
        // decorate errors that are mapped to ParleyError here anyway: measurable CPU.
        noAsyncTraces: true,
      });
      const bus = new NatsBus(nc, options);
      bus.followStatus();
      return bus;
    } catch (err) {
      const tlsRefused =
        (err as NatsError).code === NatsErrorCode.ServerOptionNotAvailable && /tls/.test((err as Error).message);
      const reason = tlsRefused
        ? 'the URL asks for TLS (tls://) and the server does not offer it'
        : (err as Error).message;
      throw new Error(`cannot connect to NATS at ${options.url}: ${reason}`);
    }
  }

  private subject(name: string): string {
    return `${this.options.subjectPrefix ?? ''}${name}`;
  }

  get isConnected(): boolean {
    return !this.connection.isClosed() && this.connection.info !== undefined && !this.reconnecting;
  }

  private reconnecting = false;
  /**
   * Everything waiting for a reply on this connection (each pipeline's pending requests, each
   * `request` in flight): told when the connection drops, it answers `unavailable` at once.
   * nats.js itself would let each wait out its timeout, though the reply may never come.
   */
  private readonly onDisconnect = new Set<(reason: string) => void>();

  private readonly statusListeners = new Set<(status: string) => void>();

  /**
   * The connection's one status iterator (nats.js gives each `status()` call its own): tracks
   * reconnects so readiness reports the truth while NATS is away, fails the requests waiting for
   * a reply on a disconnect (onDisconnect), and tells every watchStatus listener.
   */
  private followStatus(): void {
    void (async () => {
      for await (const s of this.connection.status()) {
        if (s.type === 'reconnecting' || s.type === 'disconnect') this.reconnecting = true;
        if (s.type === 'disconnect') for (const fail of this.onDisconnect) fail(CONNECTION_LOST);
        if (s.type === 'reconnect') this.reconnecting = false;
        for (const listener of this.statusListeners) {
          try {
            listener(s.type);
          } catch (err) {
            this.logger.error({ err, status: s.type }, 'status listener failed'); // the others still hear it
          }
        }
      }
    })().catch((err: unknown) => this.logger.error({ err }, 'NATS status stream ended with an error'));
  }

  /** Calls `onChange` with each status change of the connection (disconnect, reconnecting, reconnect, ...). */
  watchStatus(onChange: (status: string) => void): void {
    this.statusListeners.add(onChange);
  }

  /**
   * Request/reply with a timeout. No responders, timeouts and a connection lost while waiting
   * become `unavailable` (safe to retry), never a hang; `{code,message}` errors from the handler
   * come back as ParleyError.
   */
  async request<C extends RpcContract<unknown, unknown>>(
    contract: C,
    payload: RequestOf<C>,
    options: RequestOptions = {},
  ): Promise<ReplyOf<C>> {
    const packet: RequestPacket<RequestOf<C>> = { pattern: contract.subject, data: payload, id: randomUUID() };
    let msg;
    try {
      msg = await this.untilDisconnect(
        this.connection.request(this.subject(contract.subject), codec.encode(packet), {
          timeout: options.timeoutMs ?? this.options.requestTimeoutMs,
        }),
        contract.queue,
      );
    } catch (err) {
      throw requestFailure(err, contract.queue);
    }
    return decodeReply<ReplyOf<C>>(msg, contract.queue);
  }

  /** `reply`, or `unavailable` as soon as the connection drops while it is awaited. */
  private untilDisconnect<T>(reply: Promise<T>, queue: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fail = (reason: string) => reject(new ParleyError('unavailable', `${queue} ${reason}`));
      this.onDisconnect.add(fail);
      void reply.then(resolve, reject).finally(() => this.onDisconnect.delete(fail));
    });
  }

  /**
   * A pipelined requester for one RPC on this connection (hot paths: see RpcPipeline), with
   * this bus's subject prefix, inbox prefix and (unless given) request timeout.
   */
  pipeline<C extends RpcContract<unknown, unknown>>(
    contract: C,
    options: { maxInFlight: number; timeoutMs?: number },
  ): RpcPipeline<C> {
    const pipeline = new RpcPipeline(this.connection, contract, {
      subjectPrefix: this.options.subjectPrefix ?? '',
      inboxPrefix: this.options.inboxPrefix,
      timeoutMs: options.timeoutMs ?? this.options.requestTimeoutMs,
      maxInFlight: options.maxInFlight,
    });
    this.onDisconnect.add((reason) => pipeline.failPending(reason));
    return pipeline;
  }

  /**
   * Fire and forget: events are best effort (what they carry is stored, and repaired or replayed
   * when lost). A publish NATS refuses (over max_payload, connection closed) is logged with its
   * subject and answered false, never thrown into a timer or handler that would not expect it.
   */
  publish<C extends EventContract<unknown>>(contract: C, payload: PayloadOf<C>): boolean {
    const packet: RequestPacket<PayloadOf<C>> = { pattern: contract.subject, data: payload };
    try {
      this.connection.publish(this.subject(contract.subject), codec.encode(packet));
      return true;
    } catch (err) {
      // The error itself: the logger's `err` serializer (loggableError) keeps its type, message and code.
      this.logger.error({ subject: contract.subject, err }, 'publish refused');
      return false;
    }
  }

  /**
   * Subscribes outside Nest's transport: for per-instance and broadcast subjects
   * that every replica must see (no queue group unless given).
   */
  subscribe<C extends EventContract<unknown>>(
    contract: C,
    handler: (payload: PayloadOf<C>) => void | Promise<void>,
    options: { queue?: string; onError?: (err: unknown) => void } = {},
  ): Subscription {
    const sub = this.connection.subscribe(this.subject(contract.subject), { queue: options.queue });
    void (async () => {
      for await (const msg of sub) {
        try {
          const packet = codec.decode(msg.data) as RequestPacket<PayloadOf<C>>;
          await handler(packet.data);
        } catch (err) {
          options.onError?.(err);
        }
      }
      // The iterator throws when the subscription ends with an error (a permissions violation, a
      // connection closed with an error): logged, never an unhandled rejection that fails the process.
    })().catch((err: unknown) =>
      this.logger.error({ err, subject: contract.subject }, 'subscription ended with an error'),
    );
    return sub;
  }

  async flush(): Promise<void> {
    await this.connection.flush();
  }

  /** Lets in-flight publishes and subscriptions finish, then closes. */
  async drain(): Promise<void> {
    if (!this.connection.isClosed() && !this.connection.isDraining()) await this.connection.drain();
  }

  /** Nest calls this on shutdown when the bus is a provider. */
  async onApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  /** For /health/ready: connected, not reconnecting. */
  readiness(): { name: string; isReady: () => Promise<boolean> } {
    return { name: 'nats', isReady: async () => this.isConnected };
  }
}
