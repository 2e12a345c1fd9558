import {
  credentials,
  makeClientConstructor,
  Metadata,
  status as GrpcStatus,
  type ClientDuplexStream,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import {
  GrpcMetadata,
  loadChatGatewayProto,
  type Ack__Output,
  type ChatGatewayClient,
  type ClientFrame,
  type Hello__Output,
  type ServerFrame__Output,
} from '@parley/contracts/grpc';
import { service as healthService } from 'grpc-health-check';
import { countAnswer } from './answer-tally';

/** A server frame's kind (`messageNew`, `receipt`, ...) and the payload type of each. */
export type ServerFrameKind = NonNullable<ServerFrame__Output['kind']>;
type Payload<K extends ServerFrameKind> = NonNullable<ServerFrame__Output[K]>;
/** A client frame without its request_id (the client numbers them). */
export type ClientFrameBody = Omit<ClientFrame, 'requestId'>;

let proto: ReturnType<typeof loadChatGatewayProto> | undefined;
const chatGatewayProto = () => (proto ??= loadChatGatewayProto());

/**
 * A real gRPC client of parley.v1.ChatGateway/Connect that records every server frame (as
 * TestSocket does Socket.IO events). `since`: the `parley-since` metadata.
 */
export class TestGrpcClient {
  readonly frames: ServerFrame__Output[] = [];
  hello?: Hello__Output;
  /** The call's final status, once it ended. */
  status?: StatusObject;
  private nextRequestId = 1;
  private readonly acks = new Map<number, (ack: Ack__Output) => void>();
  private readonly ended: Promise<StatusObject>;
  private listeners: (() => void)[] = [];

  private constructor(
    private readonly client: ChatGatewayClient,
    readonly call: ClientDuplexStream<ClientFrame, ServerFrame__Output>,
  ) {
    call.on('data', (received: ServerFrame__Output) => {
      const frame = withoutOneofMarkers(received);
      this.frames.push(frame);
      if (frame.kind === 'hello') this.hello = frame.hello ?? undefined;
      if (frame.kind === 'ack' && frame.ack) {
        const ack = frame.ack;
        countAnswer(ack.ok ? 'ok' : (ack.error?.code ?? 'unknown'));
        this.acks.get(ack.requestId)?.(ack);
        this.acks.delete(ack.requestId);
      }
      this.notify();
    });
    // The status arrives as 'status' (and, when not OK, as an 'error' too).
    call.on('error', () => undefined);
    this.ended = new Promise((resolve) =>
      call.on('status', (s: StatusObject) => {
        this.status = s;
        this.notify();
        resolve(s);
      }),
    );
  }

  /** Opens a Connect call (resolves at once; frames and the status are recorded as they come). */
  static open(
    address: string,
    token: string | undefined,
    options: { since?: number | string; metadata?: Record<string, string> } = {},
  ): TestGrpcClient {
    const Client = chatGatewayProto().parley.v1.ChatGateway;
    const client = new Client(address, credentials.createInsecure());
    const metadata = new Metadata();
    if (token !== undefined) metadata.set(GrpcMetadata.Authorization, `Bearer ${token}`);
    if (options.since !== undefined) metadata.set(GrpcMetadata.Since, String(options.since));
    for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
    return new TestGrpcClient(client, client.Connect(metadata));
  }

  /** Connects and waits for `hello`; rejects with the call's status (an Error with `code`) if it ends first. */
  static async connect(
    address: string,
    token: string | undefined,
    options: { since?: number | string; metadata?: Record<string, string> } = {},
  ): Promise<TestGrpcClient> {
    const c = TestGrpcClient.open(address, token, options);
    await c.until(() => c.hello !== undefined || c.status !== undefined, 10_000, 'hello');
    if (!c.hello) {
      c.close();
      const s = c.status as StatusObject;
      throw Object.assign(new Error(`${GrpcStatus[s.code]}: ${s.details}`), { code: s.code, details: s.details });
    }
    return c;
  }

  /** Sends a frame with a fresh request_id and waits for its ack. */
  request(frame: ClientFrameBody, timeoutMs = 10_000): Promise<Ack__Output> {
    const requestId = this.nextRequestId++;
    return new Promise<Ack__Output>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(requestId);
        countAnswer('timeout');
        reject(new Error(`no ack for request ${requestId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.acks.set(requestId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
      this.call.write({ ...frame, requestId });
    });
  }

  /** Sends a frame with request_id 0 (no ack wanted). */
  fire(frame: ClientFrameBody): void {
    this.call.write({ ...frame, requestId: 0 });
  }

  /** Payloads of the frames of one kind, in arrival order. */
  events<K extends ServerFrameKind>(kind: K): Payload<K>[] {
    return this.frames.filter((f) => f.kind === kind).map((f) => f[kind] as Payload<K>);
  }

  /** The first (past or future) frame of a kind matching. */
  async waitFor<K extends ServerFrameKind>(
    kind: K,
    predicate: (p: Payload<K>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Payload<K>> {
    let found: Payload<K> | undefined;
    await this.until(() => (found = this.events(kind).find(predicate)) !== undefined, timeoutMs, kind);
    return found as Payload<K>;
  }

  /** Waits until `count` frames of a kind matched; answers them in arrival order. */
  async waitForCount<K extends ServerFrameKind>(
    kind: K,
    count: number,
    predicate: (p: Payload<K>) => boolean = () => true,
    timeoutMs = 15_000,
  ): Promise<Payload<K>[]> {
    await this.until(() => this.events(kind).filter(predicate).length >= count, timeoutMs, `${count} ${kind}`);
    return this.events(kind).filter(predicate);
  }

  /** The event-stream frames received (event_seq set), in arrival order. */
  stream(): { kind: ServerFrameKind; eventSeq: number; payload: unknown }[] {
    return this.frames
      .filter((f) => f.eventSeq > 0 && f.kind)
      .map((f) => ({ kind: f.kind as ServerFrameKind, eventSeq: f.eventSeq, payload: f[f.kind as ServerFrameKind] }));
  }

  /** Waits until a frame with event_seq >= `eventSeq` arrived; answers the stream so far. */
  async waitForEventSeq(eventSeq: number, timeoutMs = 15_000): Promise<ReturnType<TestGrpcClient['stream']>> {
    await this.until(() => this.stream().some((e) => e.eventSeq >= eventSeq), timeoutMs, `eventSeq ${eventSeq}`);
    return this.stream();
  }

  /** The call's final status (waits for it). */
  async finished(timeoutMs = 10_000): Promise<StatusObject> {
    await this.until(() => this.status !== undefined, timeoutMs, 'the call status');
    return this.ended;
  }

  /** Half-closes: the client sends no more; the server ends the call (OK) once it has acked. */
  halfClose(): void {
    this.call.end();
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  private until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const listener = () => {
        if (!condition()) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${timeoutMs} ms (call status: ${this.status?.code ?? 'open'})`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
      };
      this.listeners.push(listener);
    });
  }
}

/**
 * The frame without proto-loader's `_field: "field"` markers of set optional fields (its
 * `oneofs` option names proto3 optionals' synthetic oneofs too), so frames compare to JSON.
 */
function withoutOneofMarkers<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutOneofMarkers) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !key.startsWith('_'))
      .map(([key, v]) => [key, withoutOneofMarkers(v)]),
  ) as T;
}

/** grpc.health.v1.Health/Check: the status name, or the call's error code (NOT_FOUND for an unknown service). */
export function grpcHealthCheck(address: string, service = ''): Promise<string | { code: number }> {
  const Health = makeClientConstructor(healthService, 'grpc.health.v1.Health');
  const client = new Health(address, credentials.createInsecure()) as unknown as {
    check(req: { service: string }, cb: (err: ServiceError | null, res?: { status: string }) => void): void;
    close(): void;
  };
  return new Promise((resolve) =>
    client.check({ service }, (err, res) => {
      client.close();
      resolve(err ? { code: err.code } : (res?.status ?? 'UNKNOWN'));
    }),
  );
}
