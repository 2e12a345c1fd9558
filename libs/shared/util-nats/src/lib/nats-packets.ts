import { ErrorCode as NatsErrorCode, JSONCodec, type MsgHdrs, type NatsError } from 'nats';
import { ParleyError } from '@parley/contracts';

// Packets use NestJS's NATS wire format, so Nest @MessagePattern/@EventPattern
// handlers answer requests made here and receive events published here.
export interface RequestPacket<T> {
  pattern: string;
  data: T;
  id?: string;
}
interface ReplyPacket<T> {
  id?: string;
  response?: T;
  err?: unknown;
  isDisposed?: boolean;
}

export const packetCodec = JSONCodec<unknown>();

/**
 * The one reading of a reply, for NatsBus.request and RpcPipeline alike: its response, or the
 * ParleyError it stands for (thrown). `queue` names the service in messages.
 */
export function decodeReply<R>(msg: { data: Uint8Array; headers?: MsgHdrs }, queue: string): R {
  // The server answers a request nobody subscribes to with status 503 (no responders).
  if (msg.headers?.code === 503) throw new ParleyError('unavailable', `${queue} is not available`);
  let reply: ReplyPacket<R>;
  try {
    reply = packetCodec.decode(msg.data) as ReplyPacket<R>;
  } catch {
    throw new ParleyError('internal', `${queue} sent a malformed reply`);
  }
  if (reply.err !== undefined && reply.err !== null) {
    if (ParleyError.isBody(reply.err)) throw new ParleyError(reply.err.code, reply.err.message);
    throw new ParleyError('internal', `${queue} failed`);
  }
  return reply.response as R;
}

/**
 * The one mapping of a request that got no reply: no responders, timeouts and a refused publish
 * are all `unavailable` (safe to retry), never a hang.
 */
export function requestFailure(err: unknown, queue: string): ParleyError {
  if (err instanceof ParleyError) return err;
  const code = (err as NatsError).code;
  if (code === NatsErrorCode.NoResponders) return new ParleyError('unavailable', `${queue} is not available`);
  if (code === NatsErrorCode.Timeout) return new ParleyError('unavailable', `${queue} did not answer in time`);
  return new ParleyError('unavailable', `messaging is unavailable (${(err as Error).message})`);
}
