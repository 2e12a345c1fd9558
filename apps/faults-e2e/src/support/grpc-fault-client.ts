import type { Message } from '@parley/contracts';
import type { ServerFrame__Output } from '@parley/contracts/grpc';
import { TestGrpcClient, type TestUser } from '@parley/shared/testing';
import { GatewayConnector } from './gateway-connector';
import type { AckReply, ReceivingClient, SendingClient } from './fault-client';
import { RecordingClient } from './received-messages';

/**
 * FaultClient's counterpart on the gRPC edge, as a phone app would be written: one Connect
 * stream at a time; when it ends (gateway gone, UNAVAILABLE) it connects again to any gateway
 * with `parley-since` = the last eventSeq it applied, so the catch-up brings what it missed. It
 * records every `message_new` by (chatId, seq) and acknowledges delivery as FaultClient does.
 */
export class GrpcFaultClient extends RecordingClient implements SendingClient, ReceivingClient {
  conn?: TestGrpcClient;
  drops = 0;
  /** Every time a connection got its hello. */
  readonly connectedAt: number[] = [];
  /** The `parley-since` of every connection, in order. */
  readonly sinceSent: (number | undefined)[] = [];
  private since?: number;
  private readonly seen = new Set<number>();
  private ackTimer?: NodeJS.Timeout;
  private closed = false;
  private readonly gateways: GatewayConnector;
  private connectedWaiters: (() => void)[] = [];
  /** Settles when the current connection ends: pending requests fail at once, as on a socket. */
  private dropped: Promise<Error> = new Promise(() => undefined);

  constructor(user: TestUser, addresses: string[], startAt = 0) {
    super(user);
    this.gateways = new GatewayConnector(addresses, startAt, {
      firstPauseMs: 50,
      attempt: async (address) => {
        this.sinceSent.push(this.since);
        this.attach(await TestGrpcClient.connect(address, this.user.token, { since: this.since }));
      },
      closed: () => this.closed,
      timedOut: (timeoutMs, err) =>
        new Error(`${this.user.user.username}: no gRPC connection within ${timeoutMs} ms (${String(err)})`),
    });
  }

  get connected(): boolean {
    return Boolean(this.conn?.hello && !this.conn.status);
  }

  /** The gRPC address this client is (or was last) connected to. */
  get currentAddress(): string {
    return this.gateways.current;
  }

  connect(timeoutMs = 60_000): Promise<void> {
    if (this.connected) return Promise.resolve();
    return this.gateways.connect(timeoutMs);
  }

  private attach(conn: TestGrpcClient): void {
    this.conn = conn;
    this.ledger.newConnection();
    // Frames that came with or right after hello are recorded already; later ones as they come.
    for (const f of conn.frames) this.onFrame(f);
    conn.call.on('data', (f: ServerFrame__Output) => this.onFrame(f));
    this.dropped = new Promise((resolve) =>
      conn.call.on('status', () => {
        resolve(new Error('disconnected'));
        if (this.conn !== conn) return;
        this.drops++;
        if (!this.closed) void this.connect(600_000).catch(() => undefined);
      }),
    );
    this.connectedAt.push(Date.now());
    for (const wake of this.connectedWaiters.splice(0)) wake();
  }

  private onFrame(f: ServerFrame__Output): void {
    this.applied(f.eventSeq);
    if (f.kind === 'messageNew' && f.messageNew) this.onMessageNew(f.messageNew as unknown as Message);
  }

  /** eventSeq is gapless per user: `since` is the highest below which every event was applied. */
  private applied(eventSeq: number | undefined): void {
    if (!eventSeq) return;
    this.seen.add(eventSeq);
    this.since ??= eventSeq - 1;
    while (this.seen.delete(this.since + 1)) this.since += 1;
  }

  private onMessageNew(m: Message): void {
    if (!this.ledger.record(m)) return;
    this.ackTimer ??= setTimeout(() => {
      this.ackTimer = undefined;
      for (const [chatId, upToSeq] of this.ledger.unacked()) {
        void this.emitAck('message:delivered', { chatId, upToSeq }).then(
          (a) => a.ok && this.ledger.acked(chatId, upToSeq),
          () => undefined, // dropped: the next connection's catch-up covers it
        );
      }
    }, 100);
  }

  async waitConnected(timeoutMs = 120_000): Promise<void> {
    if (this.connected) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.user.user.username} not reconnected`)), timeoutMs);
      this.connectedWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** `message:send` / `message:delivered` as gRPC frames, answered in the Socket.IO ack shape. */
  async emitAck(event: string, payload: unknown, timeoutMs = 10_000): Promise<AckReply> {
    const conn = this.conn;
    if (!conn || !this.connected) throw new Error('not connected');
    const p = payload as { chatId: string; clientMsgId: string; body: string; upToSeq: number };
    const frame =
      event === 'message:send'
        ? { send: { chatId: p.chatId, clientMsgId: p.clientMsgId, body: p.body } }
        : event === 'message:delivered'
          ? { delivered: { chatId: p.chatId, upToSeq: p.upToSeq } }
          : undefined;
    if (!frame) throw new Error(`GrpcFaultClient: no frame for ${event}`);
    const request = conn.request(frame, timeoutMs);
    request.catch(() => undefined); // a timeout after the drop already answered
    const ack = await Promise.race([request, this.dropped]);
    if (ack instanceof Error) throw ack;
    this.applied(ack.eventSeq);
    return ack.ok
      ? { ok: true, message: ack.message, eventSeq: ack.eventSeq }
      : { ok: false, error: { code: ack.error?.code ?? 'unknown', message: ack.error?.message ?? '' } };
  }

  /** Ends the current call and connects again (with `since`), as after a drop. */
  async reconnect(timeoutMs = 60_000): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    conn?.close();
    await this.connect(timeoutMs);
  }

  close(): void {
    this.closed = true;
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.conn?.close();
  }
}
