import type { Message } from '@parley/contracts';
import { countAck, type TestUser } from '@parley/shared/testing';
import { io, type Socket } from 'socket.io-client';
import { GatewayConnector } from './gateway-connector';
import { RecordingClient } from './received-messages';

export interface AckReply {
  ok: boolean;
  error?: { code: string; message: string };
  [k: string]: unknown;
}

/** What the traffic needs of a client, whichever its transport (Socket.IO here, gRPC in grpc-fault-client.ts). */
export interface SendingClient {
  readonly userId: string;
  waitConnected(timeoutMs?: number): Promise<void>;
  /** `message:send` / `message:delivered` with their docs/protocol.md payloads and ack shapes. */
  emitAck(event: string, payload: unknown, timeoutMs?: number): Promise<AckReply>;
}

/** What the checker needs of a recipient, whichever its transport. */
export interface ReceivingClient {
  readonly user: TestUser;
  readonly userId: string;
  /** First copy of every (chatId, seq) received, on any connection. */
  readonly received: Map<string, Message>;
  readonly conflicts: number;
  readonly redelivered: number;
  readonly duplicatesWithinConnection: number;
  reconnect(timeoutMs?: number): Promise<void>;
}

export interface FaultClientOptions {
  /** Acknowledge `message:delivered` up to the contiguous seq received (as a real app does). */
  ackDelivered?: boolean;
  /** Reconnect (to any of the urls) whenever the connection drops. */
  autoReconnect?: boolean;
  transports?: ('websocket' | 'polling')[];
}

/**
 * A client app as the fault scenarios need it: it reconnects by itself to any gateway,
 * records every `message:new` it is given (by (chatId, seq), as docs/protocol.md tells clients
 * to dedupe) and acknowledges what it has, the way a phone would.
 */
export class FaultClient extends RecordingClient implements SendingClient, ReceivingClient {
  socket?: Socket;
  connects = 0;
  drops = 0;
  /** `replay:failed` received: the replay on connect was cut (store overloaded); it reconnected. */
  replayFailures = 0;
  lastConnectedAt = 0;
  /** Every time a connection was established. */
  readonly connectedAt: number[] = [];
  readonly errorEvents: unknown[] = [];
  /** While set, a dropped client waits for it before reconnecting (to line a storm up). */
  reconnectGate?: Promise<void>;
  private ackTimer?: NodeJS.Timeout;
  private closed = false;
  private readonly gateways: GatewayConnector;
  private connectedWaiters: (() => void)[] = [];
  private messageListeners: ((m: Message) => void)[] = [];

  constructor(
    user: TestUser,
    urls: string[],
    readonly options: FaultClientOptions = {},
    startAt = 0,
  ) {
    super(user);
    this.gateways = new GatewayConnector(urls, startAt, {
      firstPauseMs: 100,
      attempt: (url) => this.open(url),
      closed: () => this.closed,
      fatal: (err) => (err as Error).message === 'unauthorized',
      timedOut: (timeoutMs, err) =>
        new Error(`${this.user.user.username}: could not connect within ${timeoutMs} ms (${(err as Error).message})`),
    });
  }

  /** A connection attempt is under way. */
  get connecting(): boolean {
    return this.gateways.connecting;
  }

  get connected(): boolean {
    return Boolean(this.socket?.connected);
  }

  /** The url of the gateway this client is (or was last) connected to. */
  get currentUrl(): string {
    return this.gateways.current;
  }

  /** Seq up to which this client has every message of a chat. */
  contiguousSeq(chatId: string): number {
    return this.ledger.contiguous.get(chatId) ?? 0;
  }

  /** Sets where a chat starts for this client (a chat it joined with history it need not have). */
  setContiguous(chatId: string, seq: number): void {
    this.ledger.contiguous.set(chatId, seq);
  }

  onMessage(listener: (m: Message) => void): void {
    this.messageListeners.push(listener);
  }

  /** Connects (to its current url first, then the others in turn) until one accepts, or timeoutMs. */
  connect(timeoutMs = 60_000): Promise<void> {
    if (this.connected) return Promise.resolve();
    return this.gateways.connect(timeoutMs);
  }

  private open(url: string): Promise<void> {
    const socket = io(url, {
      auth: { token: this.user.token },
      reconnection: false,
      forceNew: true,
      transports: this.options.transports ?? ['websocket'],
      timeout: 10_000,
    });
    this.ledger.newConnection();
    socket.on('message:new', (m: Message) => this.onMessageNew(m));
    socket.on('error', (e: unknown) => this.errorEvents.push(e));
    // PROTOCOL: a cut replay resumes at the next connect. Reconnect after a jittered pause, so a
    // crowd of clients whose replays were cut together does not come back together.
    socket.on('replay:failed', () => {
      this.replayFailures++;
      if (this.closed || !this.options.autoReconnect) return;
      // Backing off as cuts repeat (up to 8 times the first pause), and, as after a drop, it
      // keeps trying: a storm can keep the store busy for minutes.
      const pause = (500 + Math.random() * 4500) * Math.min(8, 2 ** (this.replayFailures - 1));
      setTimeout(() => {
        if (this.socket === socket && !this.closed) void this.reconnect(600_000).catch(() => undefined);
      }, pause);
    });
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.removeAllListeners();
        socket.close();
        reject(err);
      };
      // `timeout` above covers the transport only: a Socket.IO CONNECT left unanswered by a busy
      // gateway, or a transport closed during the handshake, would leave this attempt pending for ever.
      const timer = setTimeout(() => fail(new Error('no Socket.IO connect within 20 s')), 20_000);
      const closedEarly = (reason: string) => fail(new Error(`closed during the handshake (${reason})`));
      socket.once('disconnect', closedEarly);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('disconnect', closedEarly);
        this.socket = socket;
        this.connects++;
        this.lastConnectedAt = Date.now();
        this.connectedAt.push(this.lastConnectedAt);
        socket.once('disconnect', () => this.onDrop(socket));
        for (const wake of this.connectedWaiters.splice(0)) wake();
        resolve();
      });
      socket.once('connect_error', (err) => fail(err));
    });
  }

  private onDrop(socket: Socket): void {
    if (this.socket !== socket) return;
    this.drops++;
    if (this.closed || !this.options.autoReconnect) return;
    void (this.reconnectGate ?? Promise.resolve()).then(() => this.connect(600_000)).catch(() => undefined);
  }

  private onMessageNew(m: Message): void {
    if (this.ledger.record(m) && this.options.ackDelivered) this.scheduleAck();
    for (const l of this.messageListeners) l(m);
  }

  private scheduleAck(): void {
    if (this.ackTimer) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      void this.flushAcks();
    }, 100);
  }

  /** Sends `message:delivered` for every chat whose contiguous seq moved since the last ack. */
  async flushAcks(): Promise<void> {
    const socket = this.socket;
    if (!socket?.connected) return;
    await Promise.all(
      this.ledger.unacked().map(async ([chatId, upTo]) => {
        try {
          const ack = (await socket
            .timeout(10_000)
            .emitWithAck('message:delivered', { chatId, upToSeq: upTo })) as AckReply;
          if (ack.ok) this.ledger.acked(chatId, upTo);
        } catch {
          // Dropped: the next connection replays from the last acknowledged seq.
        }
      }),
    );
  }

  async waitConnected(timeoutMs = 120_000): Promise<void> {
    if (this.connected) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.user.user.username} not reconnected within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.connectedWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Emits on the current connection; rejects on timeout or when the connection drops meanwhile. */
  emitAck(event: string, payload: unknown, timeoutMs = 10_000): Promise<AckReply> {
    const socket = this.socket;
    if (!socket?.connected) return Promise.reject(new Error('not connected'));
    return countAck(socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<AckReply>);
  }

  /** Drops the connection as a network failure would (no close handshake), without reconnecting. */
  dropAbruptly(): void {
    const socket = this.socket;
    if (!socket) return;
    const engine = socket.io.engine as unknown as { transport?: { ws?: { _socket?: { destroy(): void } } } };
    const raw = engine.transport?.ws?._socket;
    if (raw) raw.destroy();
    else socket.io.engine.close();
  }

  /** Closes for good (no reconnect). */
  close(): void {
    this.closed = true;
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.socket?.removeAllListeners();
    this.socket?.close();
  }

  /** Closes the current connection cleanly and opens a new one (a replay on connect). */
  async reconnect(timeoutMs = 60_000): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    socket?.removeAllListeners();
    socket?.close();
    await this.connect(timeoutMs);
  }
}
