const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How one client connects (FaultClient on Socket.IO, GrpcFaultClient on gRPC). */
export interface ConnectAttempts {
  /** The pause after the first failure; it doubles with each failure after, up to 2 s, with jitter. */
  firstPauseMs: number;
  /** One attempt at one gateway (a Socket.IO url, a gRPC address). */
  attempt(endpoint: string): Promise<void>;
  /** The client was closed for good: no more attempts. */
  closed(): boolean;
  /** A failure no retry mends (a refused token): thrown at once. */
  fatal?(err: unknown): boolean;
  /** The error thrown when timeoutMs has passed, from the last failure. */
  timedOut(timeoutMs: number, lastError: unknown): Error;
}

/**
 * A test client's way to its gateways: one connect at a time (callers meanwhile share it), trying
 * the gateways in turn from the current one until one accepts, the client is closed, or the time is
 * up. The pauses have jitter, so a storm of clients does not come back in lockstep.
 */
export class GatewayConnector {
  private index: number;
  private connectingNow?: Promise<void>;

  constructor(
    private readonly endpoints: readonly string[],
    startAt: number,
    private readonly attempts: ConnectAttempts,
  ) {
    this.index = startAt % endpoints.length;
  }

  /** The gateway connected to now (or tried last). */
  get current(): string {
    return this.endpoints[this.index];
  }

  /** A connect is under way. */
  get connecting(): boolean {
    return this.connectingNow !== undefined;
  }

  connect(timeoutMs: number): Promise<void> {
    this.connectingNow ??= this.tryInTurn(timeoutMs).finally(() => (this.connectingNow = undefined));
    return this.connectingNow;
  }

  private async tryInTurn(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let failures = 0; !this.attempts.closed(); failures++) {
      try {
        await this.attempts.attempt(this.current);
        return;
      } catch (err) {
        if (this.attempts.fatal?.(err)) throw err;
        this.index = (this.index + 1) % this.endpoints.length;
        if (Date.now() > deadline) throw this.attempts.timedOut(timeoutMs, err);
        await sleep(Math.min(2000, this.attempts.firstPauseMs * 2 ** Math.min(failures, 6)) * (0.5 + Math.random()));
      }
    }
    throw new Error('client closed');
  }
}
