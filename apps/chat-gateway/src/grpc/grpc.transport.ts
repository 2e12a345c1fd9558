import { randomUUID } from 'node:crypto';
import { status as GrpcStatus, type ServerDuplexStream } from '@grpc/grpc-js';
import { ServerEvents } from '@parley/contracts';
import type { ClientFrame__Output, ServerFrame } from '@parley/contracts/grpc';
import type { ConnectionTransport, ServerEventArgs } from '../connections/connection-transport';
import { toServerFrame } from './frame-mapping';

export type ConnectCall = ServerDuplexStream<ClientFrame__Output, ServerFrame>;

export interface GrpcTransportOptions {
  /** Bytes a call may have waiting to be written (SLOW_CONSUMER_MAX_BUFFER_BYTES). */
  maxBufferedBytes: number;
  /** The encoded size of a frame (only asked while the call is backed up). */
  sizeOf: (frame: ServerFrame) => number;
  onSlowConsumer: (bufferedBytes: number) => void;
}

/**
 * A Connect call as a ConnectionTransport: each server event is written as its ServerFrame.
 * What Socket.IO says with an event and a disconnect, gRPC says with the call's status:
 * `error` (unauthorized) is UNAUTHENTICATED, `replay:failed` and shutdown are UNAVAILABLE.
 */
export class GrpcTransport implements ConnectionTransport {
  readonly id = `grpc-${randomUUID()}`;
  private ended = false;
  private readonly closeListeners = new Set<() => void>();
  /** Bytes written since write() last answered false (HTTP/2 flow control holds them), until 'drain'. */
  private backedUp?: number;

  constructor(
    private readonly call: ConnectCall,
    private readonly options: GrpcTransportOptions,
  ) {
    call.once('cancelled', () => this.finished());
    call.once('finish', () => this.finished());
    call.once('close', () => this.finished());
    call.on('drain', () => {
      this.backedUp = undefined;
    });
  }

  get connected(): boolean {
    return !this.ended && !this.call.cancelled;
  }

  emit(...args: ServerEventArgs): void {
    const [event, payload] = args;
    if (event === ServerEvents.ReplayFailed) return this.end(GrpcStatus.UNAVAILABLE, payload.message);
    if (event === ServerEvents.Error) return this.end(GrpcStatus.UNAUTHENTICATED, payload.message);
    const frame = toServerFrame(...args);
    if (frame) this.write(frame);
  }

  /** Writes a frame unless the call is over; drops the call past the slow-consumer bound. */
  write(frame: ServerFrame): void {
    if (!this.connected) return;
    if (this.backedUp !== undefined) this.backedUp += this.options.sizeOf(frame);
    if (!this.call.write(frame) && this.backedUp === undefined) this.backedUp = this.options.sizeOf(frame);
    if (this.backedUp !== undefined && this.backedUp > this.options.maxBufferedBytes) this.dropSlowConsumer();
  }

  close(reason: Parameters<ConnectionTransport['close']>[0]): void {
    this.end(reason.code === 'unauthorized' ? GrpcStatus.UNAUTHENTICATED : GrpcStatus.UNAVAILABLE, reason.message);
  }

  /** Ends the call with OK (the client half-closed). */
  endOk(): void {
    if (this.ended) return;
    this.call.end();
    this.finished();
  }

  /** Ends the call with a status; frames already written go first (HTTP/2 keeps their order). */
  end(code: GrpcStatus, details: string): void {
    if (this.ended) return;
    this.call.emit('error', { code, details });
    this.finished();
  }

  async writable(timeoutMs: number): Promise<void> {
    if (this.backedUp === undefined || !this.connected) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.call.off('drain', done);
        stop();
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.call.once('drain', done);
      const stop = this.onClose(done);
    });
  }

  onClose(listener: () => void): () => void {
    if (this.ended) {
      listener();
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /**
   * A client that does not read: its status could never reach it either (it waits behind the
   * unread frames), so the HTTP/2 stream is reset at once and what it held is freed. The client
   * sees CANCELLED; its messages wait in the store for its next connect.
   */
  private dropSlowConsumer(): void {
    const buffered = this.backedUp ?? 0;
    this.options.onSlowConsumer(buffered);
    this.end(GrpcStatus.RESOURCE_EXHAUSTED, 'slow consumer: reconnect to catch up');
    resetStream(this.call);
  }

  private finished(): void {
    if (this.ended) return;
    this.ended = true;
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    for (const listener of listeners) listener();
  }
}

/**
 * grpc-js has no public way to abort a server call whose client stopped reading: its status is
 * queued behind the unread data. Its internal call object holds the HTTP/2 stream; close it
 * with CANCEL (best effort: when grpc-js changes shape, the status above still ends the call).
 */
function resetStream(call: ConnectCall): void {
  let node: unknown = (call as unknown as { call?: unknown }).call;
  for (let depth = 0; node && depth < 5; depth++) {
    const stream = (node as { stream?: { close?: (code: number) => void; destroyed?: boolean } }).stream;
    if (stream?.close) {
      if (!stream.destroyed) stream.close(0x8 /* NGHTTP2_CANCEL */);
      return;
    }
    node = (node as { nextCall?: unknown }).nextCall;
  }
}
