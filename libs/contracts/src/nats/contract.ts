/**
 * A NATS subject with its request and reply types. The phantom fields carry the
 * types only; at run time a contract is just its subject and queue group.
 */
export interface RpcContract<Req, Res> {
  readonly kind: 'rpc';
  readonly subject: string;
  /** Queue group of the service that answers, so N replicas share the work. */
  readonly queue: ServiceQueue;
  readonly __req?: Req;
  readonly __res?: Res;
}

export interface EventContract<Payload> {
  readonly kind: 'event';
  readonly subject: string;
  readonly __payload?: Payload;
}

export type ServiceQueue = 'auth' | 'message-store' | 'presence' | 'push-notifier' | 'chat-gateway';

export type RequestOf<C> = C extends RpcContract<infer Req, unknown> ? Req : never;
export type ReplyOf<C> = C extends RpcContract<unknown, infer Res> ? Res : never;
export type PayloadOf<C> = C extends EventContract<infer P> ? P : never;

export function rpc<Req, Res>(subject: string, queue: ServiceQueue): RpcContract<Req, Res> {
  return { kind: 'rpc', subject, queue };
}

export function event<Payload>(subject: string): EventContract<Payload> {
  return { kind: 'event', subject };
}
