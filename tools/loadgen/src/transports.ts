import * as grpc from '@grpc/grpc-js';
import type { Message } from '@parley/contracts';
import {
  GrpcMetadata,
  loadChatGatewayProto,
  type ChatGatewayClient,
  type ClientFrame,
  type ServerFrame__Output,
} from '@parley/contracts/grpc';
import { io, type Socket } from 'socket.io-client';
import type { WorkerUser } from './protocol';

/** The client edges the load generator can drive: Socket.IO (WebSocket) or gRPC (one HTTP/2 stream). */
export type Transport = 'socketio' | 'grpc';
export const TRANSPORTS: Transport[] = ['socketio', 'grpc'];

/** What the load generator reads of a delivered message. */
export type MessageNew = Pick<Message, 'id' | 'chatId' | 'seq' | 'senderId' | 'clientMsgId' | 'body'>;

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

let proto: ReturnType<typeof loadChatGatewayProto> | undefined;

/**
 * One channel per user (a local subchannel pool: its own TCP connection, as a phone has), one
 * Connect stream on it; the connection is up when the server's `hello` arrives.
 */
function connectGrpc(user: WorkerUser, h: ConnectionHandlers): Promise<UserConnection> {
  if (!user.grpcAddress) return Promise.reject(new Error('no gRPC address for this user (--grpc)'));
  proto ??= loadChatGatewayProto();
  const client: ChatGatewayClient = new proto.parley.v1.ChatGateway(
    user.grpcAddress,
    grpc.credentials.createInsecure(),
    {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.keepalive_time_ms': 60_000,
      'grpc.keepalive_timeout_ms': 20_000,
    },
  );
  const metadata = new grpc.Metadata();
  metadata.set(GrpcMetadata.Authorization, `Bearer ${user.token}`);
  const call: grpc.ClientDuplexStream<ClientFrame, ServerFrame__Output> = client.Connect(metadata);
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
    call.on('data', (frame: ServerFrame__Output) => {
      if (frame.kind === 'hello' && !up) {
        up = true;
        resolve(conn);
      } else if (frame.kind === 'messageNew' && frame.messageNew) {
        h.onMessage(frame.messageNew as MessageNew);
      } else if (frame.kind === 'ack' && frame.ack) {
        const a = frame.ack;
        const onAck = acks.get(a.requestId);
        acks.delete(a.requestId);
        onAck?.(
          a.ok && a.message
            ? { ok: true, message: a.message as MessageNew }
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
