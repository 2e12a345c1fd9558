import type { ErrorBody, ServerToClientEvents } from '@parley/contracts';

/** A server event and its arguments, as Socket.IO's typed emit takes them (payload, then `{eventSeq}` where it has one). */
export type ServerEventArgs = {
  [E in keyof ServerToClientEvents]: [event: E, ...args: Parameters<ServerToClientEvents[E]>];
}[keyof ServerToClientEvents];

/**
 * What the gateway needs of one client connection, whatever carries it (a Socket.IO socket, a
 * gRPC stream): ClientConnection and every service above it talk to this only.
 */
export interface ConnectionTransport {
  /** Unique on this gateway; presence registers the connection under it. */
  readonly id: string;
  readonly connected: boolean;
  emit(...args: ServerEventArgs): void;
  /**
   * Ends the connection from the server side. `unauthorized` (token expired, session revoked):
   * the client is told why first; `unavailable`: this gateway is going away, reconnect elsewhere.
   */
  close(reason: ErrorBody & { code: 'unauthorized' | 'unavailable' }): void;
  /** Resolves when what waits to be written is low again (replay backpressure), or after timeoutMs. */
  writable(timeoutMs: number): Promise<void>;
  /** Calls `listener` once when the connection ends; answers a function that removes it. */
  onClose(listener: () => void): () => void;
}
