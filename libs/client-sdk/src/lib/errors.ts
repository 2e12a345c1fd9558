import type { ErrorBody, ErrorCode } from '@parley/contracts/client';

/** Codes the SDK adds to docs/protocol.md's: the network or the ack timed out before any answer. */
export type SdkErrorCode = ErrorCode | 'network' | 'timeout';

/** Every failure the SDK reports: a docs/protocol.md error code plus, for HTTP, the status. */
export class ParleyClientError extends Error {
  constructor(
    readonly code: SdkErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ParleyClientError';
  }

  /** Worth trying again later with the same request (nothing was decided by the server). */
  get retryable(): boolean {
    return (
      this.code === 'network' ||
      this.code === 'timeout' ||
      this.code === 'unavailable' ||
      this.code === 'rate_limited' ||
      this.code === 'internal'
    );
  }
}

export function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorBody).code === 'string' &&
    typeof (value as ErrorBody).message === 'string'
  );
}

export function toClientError(err: unknown): ParleyClientError {
  if (err instanceof ParleyClientError) return err;
  if (isErrorBody(err)) return new ParleyClientError(err.code, err.message);
  const message = err instanceof Error ? err.message : String(err);
  return new ParleyClientError('network', message);
}
