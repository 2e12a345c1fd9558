import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { io, type Socket } from 'socket.io-client';
import type { WorkerUser } from './protocol';

/** The client edges the load generator can drive: Socket.IO (WebSocket) or gRPC (one HTTP/2 stream). */
export type Transport = 'socketio' | 'grpc';
export const TRANSPORTS: Transport[] = ['socketio', 'grpc'];

export interface MessageNew {
  id: string;
  chatId: string;
  seq: number;
  senderId: string;
  clientMsgId: string;
  body: string;
}

export type SendAck =
  | { ok: true; message: { id: string; chatId: string; seq: number } }
  | { ok: false; error: { code: string; message: string } };

/** One user's connection, whichever the transport. */
export interface UserConnection {
  send(message: { chatId: string; clientMsgId: string; body: string }, onAck: (reply: SendAck) => void): void;
  close(): void;
}

export interface ConnectionHandlers {
  onMessage(m: MessageNew): void;
  /** The connection dropped after it was up. */
  onDrop(): void;
}

export function connectUser(transport: Transport, user: WorkerUser, h: ConnectionHandlers): Promise<UserConnection> {
  return transport === 'grpc' ? connectGrpc(user, h) : connectSocketIo(user, h);
}

function connectSocketIo(user: WorkerUser, h: ConnectionHandlers): Promise<UserConnection> {
  const socket: Socket = io(user.gatewayUrl, {
    auth: { token: user.token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 30_000,
    ...(user.localAddress ? { localAddress: user.localAddress } : {}),
  } as Parameters<typeof io>[1]);
  socket.on('message:new', (m: MessageNew) => h.onMessage(m));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.on('disconnect', () => h.onDrop());
      resolve({
        send: (message, onAck) => socket.emit('message:send', message, onAck),
        close: () => socket.close(),
      });
    });
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** The frames of parley.v1.ChatGateway as @grpc/proto-loader decodes them (camelCase, longs as numbers). */
interface ServerFrame {
  kind?: string;
  ack?: { requestId: number; ok: boolean; error?: { code: string; message: string }; message?: MessageNew };
  messageNew?: MessageNew;
}
type ConnectCall = grpc.ClientDuplexStream<Record<string, unknown>, ServerFrame>;
type ChatGatewayClient = grpc.Client & { Connect(metadata: grpc.Metadata): ConnectCall };

/** libs/contracts/proto, found from the source or from the bundle in dist/. */
function protoFile(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'libs/contracts/proto/parley/v1/chat_gateway.proto');
    if (existsSync(file)) return file;
  }
  throw new Error('libs/contracts/proto/parley/v1/chat_gateway.proto not found above the load generator');
}

let clientClass: (new (address: string, creds: grpc.ChannelCredentials, options: object) => ChatGatewayClient) | null =
  null;

function chatGatewayClass() {
  if (!clientClass) {
    const def = protoLoader.loadSync(protoFile(), { longs: Number, enums: String, defaults: true, oneofs: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      parley: { v1: { ChatGateway: NonNullable<typeof clientClass> } };
    };
    clientClass = pkg.parley.v1.ChatGateway;
  }
  return clientClass;
}

/**
 * One channel per user (a local subchannel pool: its own TCP connection, as a phone has), one
 * Connect stream on it; the connection is up when the server's `hello` arrives.
 */
function connectGrpc(user: WorkerUser, h: ConnectionHandlers): Promise<UserConnection> {
  if (!user.grpcAddress) return Promise.reject(new Error('no gRPC address for this user (--grpc)'));
  const Client = chatGatewayClass();
  const client = new Client(user.grpcAddress, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
  });
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${user.token}`);
  const call = client.Connect(metadata);
  const acks = new Map<number, (reply: SendAck) => void>();
  let nextRequestId = 1;
  let up = false;
  const conn: UserConnection = {
    send: (message, onAck) => {
      const requestId = nextRequestId++;
      acks.set(requestId, onAck);
      call.write({ requestId, send: message });
    },
    close: () => {
      call.cancel();
      client.close();
    },
  };
  return new Promise((resolve, reject) => {
    call.on('data', (frame: ServerFrame) => {
      if (frame.kind === 'hello' && !up) {
        up = true;
        resolve(conn);
      } else if (frame.kind === 'messageNew' && frame.messageNew) {
        h.onMessage(frame.messageNew);
      } else if (frame.kind === 'ack' && frame.ack) {
        const a = frame.ack;
        const onAck = acks.get(a.requestId);
        acks.delete(a.requestId);
        onAck?.(
          a.ok && a.message
            ? { ok: true, message: a.message }
            : { ok: false, error: a.error ?? { code: 'malformed_ack', message: '' } },
        );
      }
    });
    let ended = false;
    const end = (err?: Error) => {
      if (ended) return;
      ended = true;
      client.close();
      if (up) h.onDrop();
      else reject(err ?? new Error('the gRPC call ended before hello'));
    };
    call.on('error', (err: Error) => end(err));
    call.on('end', () => end());
  });
}
