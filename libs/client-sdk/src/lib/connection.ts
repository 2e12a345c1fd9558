import { io, type Socket } from 'socket.io-client';
import type { Ack } from '@parley/contracts/client';
import { Backoff, type BackoffOptions } from './backoff';
import { ParleyClientError } from './errors';
import { ServerEvent, type ServerToClient } from './protocol';

export type ConnectionState =
  /** No session, or closed. */
  | 'idle'
  | 'connecting'
  | 'connected'
  /** Lost; retrying by itself. */
  | 'disconnected'
  /** The app said the network is down (setNetworkAvailable(false)); waits for it. */
  | 'offline'
  /** The token was refused or expired: a new login (or `reauthenticate`) is needed. */
  | 'unauthorized';

export interface ConnectionEvent {
  state: ConnectionState;
  /** Why, when it is not obvious (socket.io's disconnect reason, an error message). */
  reason?: string;
}

export interface ConnectionOptions {
  /** Absolute gateway URL; a path part (e.g. http://host/gw behind a proxy) prefixes /socket.io. */
  gatewayUrl: string;
  token: () => string | null;
  /** The event stream position to resume after (`auth.since`); null connects without one (v1 replay). */
  since?: () => number | null;
  transports?: ('websocket' | 'polling')[];
  onState: (e: ConnectionEvent) => void;
  /** Called once per (re)connect, after `connect`. */
  onConnect: () => void;
  /** The server refused the token or disconnected for an expired one. */
  onUnauthorized: () => void;
  bind: (socket: Socket<ServerToClient>) => void;
  /** Waits between reconnects (exponential, full jitter). Default 500 ms doubling up to 30 s. */
  backoff?: Backoff | BackoffOptions;
  /**
   * A connection that stays up this long resets the backoff; one that drops sooner (a gateway
   * refusing, a replay cut short) keeps growing it. Default 10 s.
   */
  stableAfterMs?: number;
}

/**
 * socket.io-client with docs/protocol.md's connection rules: reconnects, unauthorized, acks as
 * promises. Every reconnect is ours (socket.io's own is off, its backoff restarts at each
 * connect): the wait grows across failed connects and short-lived connections, and starts
 * over only after a connection stayed up `stableAfterMs`.
 */
export class Connection {
  private socket: Socket<ServerToClient> | null = null;
  private stateValue: ConnectionState = 'idle';
  private readonly pending = new Set<(err: ParleyClientError) => void>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stableTimer: ReturnType<typeof setTimeout> | null = null;
  readonly backoff: Backoff;
  private networkAvailable = true;
  private expired = false;

  constructor(private readonly options: ConnectionOptions) {
    this.backoff = options.backoff instanceof Backoff ? options.backoff : new Backoff(options.backoff);
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  get connected(): boolean {
    return this.socket?.connected === true;
  }

  open(): void {
    if (!this.socket) this.socket = this.create();
    if (!this.networkAvailable) return this.setState('offline');
    // Not `socket.active`: without socket.io's own reconnection it stays true after a failure.
    if (this.socket.connected || this.stateValue === 'connecting') return;
    this.expired = false;
    this.setState('connecting');
    this.socket.connect();
  }

  close(): void {
    this.clearRetry();
    this.clearStable();
    this.socket?.disconnect();
    this.socket?.removeAllListeners();
    this.socket = null;
    this.failPending('network', 'connection closed');
    this.setState('idle');
  }

  /** Browsers know when the network goes and comes back: no waiting for a heartbeat to fail. */
  setNetworkAvailable(available: boolean): void {
    if (available === this.networkAvailable) return;
    this.networkAvailable = available;
    if (!this.socket) return;
    if (!available) {
      this.clearRetry();
      this.clearStable();
      this.socket.disconnect();
      this.failPending('network', 'offline');
      this.setState('offline');
    } else if (this.stateValue === 'offline') {
      this.open();
    }
  }

  /** Emits with an ack; rejects with the server's error, `network` when not connected, `timeout`. */
  request<T extends object>(event: string, payload: unknown, timeoutMs: number): Promise<T> {
    const socket = this.socket;
    if (!socket?.connected) return Promise.reject(new ParleyClientError('network', 'not connected'));
    return new Promise<T>((resolve, reject) => {
      const fail = (err: ParleyClientError) => {
        this.pending.delete(fail);
        reject(err);
      };
      this.pending.add(fail);
      (socket as Socket).timeout(timeoutMs).emit(event, payload, (err: Error | null, ack: Ack<T>) => {
        if (!this.pending.delete(fail)) return;
        if (err) return reject(new ParleyClientError('timeout', `${event}: no answer within ${timeoutMs} ms`));
        if (!ack || typeof ack !== 'object')
          return reject(new ParleyClientError('internal', `${event}: malformed ack`));
        if (ack.ok) return resolve(ack);
        reject(new ParleyClientError(ack.error.code as ParleyClientError['code'], ack.error.message));
      });
    });
  }

  /** Fire and forget (typing): dropped when not connected, never buffered. */
  emit(event: string, payload: unknown): void {
    if (this.socket?.connected) (this.socket as Socket).emit(event, payload);
  }

  private create(): Socket<ServerToClient> {
    const url = new URL(this.options.gatewayUrl);
    const prefix = url.pathname.replace(/\/+$/, '');
    const socket: Socket<ServerToClient> = io(url.origin, {
      path: `${prefix}/socket.io`,
      autoConnect: false,
      forceNew: true,
      transports: this.options.transports,
      reconnection: false,
      // Read at each connect, so a reconnect resumes from what was applied meanwhile.
      auth: (cb) => {
        const since = this.options.since?.() ?? null;
        cb(since === null ? { token: this.options.token() ?? '' } : { token: this.options.token() ?? '', since });
      },
    });
    socket.on('connect', () => {
      this.clearStable();
      this.stableTimer = setTimeout(() => {
        this.stableTimer = null;
        if (this.socket === socket && socket.connected) this.backoff.reset();
      }, this.options.stableAfterMs ?? 10_000);
      this.setState('connected');
      this.options.onConnect();
    });
    socket.on('connect_error', (err) => this.onConnectError(socket, err));
    socket.on('disconnect', (reason) => this.onDisconnect(reason));
    socket.on(ServerEvent.Error, (e) => {
      if (e?.code === 'unauthorized') this.expired = true;
    });
    this.options.bind(socket);
    return socket;
  }

  private onConnectError(_socket: Socket<ServerToClient>, err: Error): void {
    // A transport failure or a refusal by the server's middleware (`rate_limited` for too
    // many connections, ...): we retry, except for a refused token.
    if (err.message === 'unauthorized') {
      this.setState('unauthorized', 'token refused');
      this.options.onUnauthorized();
    } else {
      this.setState('disconnected', err.message);
      this.retryLater();
    }
  }

  private onDisconnect(reason: Socket.DisconnectReason): void {
    this.clearStable();
    this.failPending('network', `disconnected: ${reason}`);
    if (reason === 'io client disconnect') return;
    if (reason === 'io server disconnect' && this.expired) {
      this.setState('unauthorized', 'token expired');
      this.options.onUnauthorized();
      return;
    }
    // The server let us go (a gateway shutting down) or the transport failed.
    this.setState('disconnected', reason);
    this.retryLater();
  }

  /** Reconnects after the backoff's next wait. */
  retryLater(): void {
    if (this.retryTimer !== null || !this.socket) return;
    const delay = this.backoff.next();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.socket && this.networkAvailable && !this.socket.connected) this.open();
    }, delay);
  }

  /** Drops the socket and opens a new one (e.g. to get a replay again). */
  reconnect(): void {
    if (!this.socket) return;
    this.socket.disconnect();
    this.setState('disconnected', 'reconnecting');
    this.retryLater();
  }

  private clearStable(): void {
    if (this.stableTimer !== null) clearTimeout(this.stableTimer);
    this.stableTimer = null;
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private failPending(code: 'network', message: string): void {
    for (const fail of [...this.pending]) fail(new ParleyClientError(code, message));
  }

  private setState(state: ConnectionState, reason?: string): void {
    if (state === this.stateValue && reason === undefined) return;
    this.stateValue = state;
    this.options.onState({ state, reason });
  }
}
